import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm generate`: continue a prompt, greedy or seeded sampling, streaming tokens to stdout.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt (greedy at --temperature 0; seeded sampling otherwise).")

    @Argument(help: "A .gguf file or a Hugging Face folder.") var model: String
    @Option(help: "The prompt.") var prompt: String
    @Option(name: .customLong("max-tokens"), help: "New tokens at most.") var maxTokens: Int = 64
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens.") var topK: Int?
    @Option(name: .customLong("top-p"), help: "Keep the smallest set with probability ≥ p.") var topP: Float?
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @Flag(help: "Wrap the prompt in the model's chat template (one user turn).") var chat = false
    @OptionGroup var workers: WorkerThreads
    @OptionGroup var weights: WeightStorageOption

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        if let k = topK, k < 1 { throw ValidationError("--top-k must be at least 1") }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
    }

    func run() throws {
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: weights.storage)
        loaded.model.decodeProduct = weights.decodeInputs.variant
        let text = chat ? try loaded.chatPrompt(prompt) : prompt
        let sampler = temperature == 0 ? Sampler.greedy
            : Sampler(temperature: temperature, topK: topK, topP: topP, seed: seed)
        var emitted: [Int] = []
        var printed = ""
        let result = try generate(model: loaded.model, tokenizer: loaded.tokenizer, prompt: text,
                                  maxTokens: maxTokens, sampler: sampler) { token in
            // Stream: decode everything so far and print what is new (keeps multi-byte characters whole).
            emitted.append(token)
            if let all = try? loaded.tokenizer.decode(emitted, skipSpecialTokens: true), all.hasPrefix(printed) {
                FileHandle.standardOutput.write(Data(all.dropFirst(printed.count).utf8))
                printed = all
            }
        }
        print("")
        printError("\(result.tokens.count) tokens\(result.stoppedAtEOS ? ", stopped at EOS" : "")")
    }
}
