import ArgumentParser
import SVDLLMKit

@main
struct SVDLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svdllm",
        abstract: "SVD-LLM compression of language models, on pure-Swift linear algebra.",
        subcommands: [])
}
