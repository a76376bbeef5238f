import ArgumentParser
import Foundation

/// `--threads N`, shared by the commands that run a model: worker threads for GEMM, attention and the
/// compressor (default: every core), at least 1.
struct WorkerThreads: ParsableArguments {
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }
}
