import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm`: the toolkit's command line. Errors are printed on stderr; the process exits with 2 for a bad
/// command line and 1 for anything that went wrong while running (a bad file, a failed factorization, …).
@main
struct SVDLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svdllm",
        abstract: "SVD-LLM compression of language models, on pure-Swift linear algebra.",
        subcommands: [BenchCommand.self, LinalgCommand.self, InspectCommand.self, TokenizeCommand.self,
                      ConvertCommand.self, EvalCommand.self, GenerateCommand.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("svdllm: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch let error as FormatError {
            FileHandle.standardError.write(Data("svdllm: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch let error as TokenizerError {
            FileHandle.standardError.write(Data("svdllm: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == .failure {
                exit(withError: error)
            }
            // Usage and validation errors: ArgumentParser's message, then exit 2.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// A failure while running a command, with the argument or file it concerns.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
