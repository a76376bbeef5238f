import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm bench KERNEL`: times our kernels, best of `--repeats`, one line per variant × shape.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a kernel family: gemm, cholesky, trsm, qr, svd.",
        discussion: """
            Shapes: gemm m×k×n; cholesky n; trsm m×n (m×m triangular, m×n right-hand sides); qr m×n; svd m×n.
            With --json, one JSON object per line: {"kernel","variant","shape","dtype","threads","ms","gflops"}.
            """)

    enum Kernel: String, ExpressibleByArgument, CaseIterable { case gemm, cholesky, trsm, qr, svd }
    enum DType: String, ExpressibleByArgument, CaseIterable { case f32, f64 }

    @Argument(help: "The kernel family: \(Kernel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kernel: Kernel

    @Option(help: "A variant name, or 'all'.")
    var variant: String = "all"

    @Option(help: "Comma-separated shapes, e.g. 1024x1024x1024,512x576x1536.")
    var shapes: String?

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @Option(help: "Worker threads for parallel variants.")
    var threads: Int = 1

    @Option(help: "Timed runs per measurement (the best is reported).")
    var repeats: Int = 5

    @Option(help: "SVD: the rank k for randomized variants (default n/4).")
    var rank: Int?

    @Option(name: .customLong("power-iters"), help: "SVD: power iterations q for randomized variants.")
    var powerIters: Int = 2

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        if let r = rank, r < 1 { throw ValidationError("--rank must be at least 1 (got \(r))") }
        guard powerIters >= 0 else { throw ValidationError("--power-iters must be ≥ 0 (got \(powerIters))") }
    }

    func run() throws {
        let records: [BenchRecord]
        switch dtype {
        case .f32: records = try KernelBench<Float>(options: self).run()
        case .f64: records = try KernelBench<Double>(options: self).run()
        }
        _ = records
    }

    func emit(_ record: BenchRecord) {
        // Unbuffered, so a long run shows each line as soon as it is measured.
        FileHandle.standardOutput.write(Data(((json ? record.jsonLine : record.humanLine) + "\n").utf8))
    }
}
