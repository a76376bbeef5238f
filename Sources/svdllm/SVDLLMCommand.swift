import ArgumentParser
import Foundation
import Notebooks
import SVDLLMKit

/// `svdllm`: the toolkit's command line. Errors are printed on stderr; the process exits with 2 for a bad
/// command line and 1 for anything that went wrong while running (a bad file, a failed factorization, …).
@main
struct SVDLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svdllm",
        abstract: "SVD-LLM compression of language models, on pure-Swift linear algebra.",
        subcommands: [BenchCommand.self, LinalgCommand.self, InspectCommand.self, TokenizeCommand.self,
                      ConvertCommand.self, EvalCommand.self, GenerateCommand.self, CompressCommand.self, QuantizeCommand.self, FineTuneCommand.self,
                      SynthesizeCommand.self, NotebookCommand.self])

    static func main() {
        // A file-size limit (`ulimit -f`) would kill the process with SIGXFSZ in the middle of a write and leave
        // its temporary files behind; ignored, the write fails with EFBIG like one on a full disk (ENOSPC), and the
        // atomic writers remove what they started (``StagingFolder``, ``AtomicFileWriter``).
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let message = toolkitErrorMessage(error) {
                printError("svdllm: \(message)")
                Foundation.exit(1)
            }
            let code = exitCode(for: error)
            if code == .success || code == .failure {
                exit(withError: error)
            }
            // Usage and validation errors: ArgumentParser's message, then exit 2.
            printError(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}

/// The message of one of the toolkit's typed errors (they name the file, field or argument), or nil.
func toolkitErrorMessage(_ error: Error) -> String? {
    switch error {
    case let e as CLIError: return e.description
    case let e as FormatError: return e.description
    case let e as FolderLockError: return e.description
    case let e as TokenizerError: return e.description
    case let e as RuntimeError: return e.description
    case let e as FactorizationError: return e.description
    case let e as SVDError: return e.description
    case let e as CompressionError: return e.description
    case let e as NotebookError: return e.description
    case let e as ModelQuantizationError: return e.description
    case let e as QuantizationError: return e.description
    case let e as TrainingError: return e.description
    default: return nil
    }
}

/// A failure while running a command, with the argument or file it concerns.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
