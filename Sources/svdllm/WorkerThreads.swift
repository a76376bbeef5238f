import ArgumentParser
import Foundation

/// `--threads N`, the one definition every command that computes shares (`@OptionGroup`): worker threads for the
/// kernels, the forward pass, dequantization and the compressor (default: every core), at least 1.
/// (`notebook kernels --threads 1,2` is a different option: the list of thread counts it sweeps.)
struct WorkerThreads: ParsableArguments {
    @Option(help: "Worker threads (default: every core).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }
}
