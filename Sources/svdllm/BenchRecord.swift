import Foundation

/// One benchmark measurement: the JSON line schema of `svdllm bench --json`
/// (`{"kernel","variant","shape":[...],"dtype","threads","ms","gflops"}`, plus `rank` and
/// `max_rel_sigma_err` for SVD variants).
struct BenchRecord: Encodable {
    var kernel: String
    var variant: String
    var shape: [Int]
    var dtype: String
    var threads: Int
    var ms: Double
    var gflops: Double?
    var rank: Int?
    var maxRelSigmaErr: Double?
    /// SVD: Jacobi sweeps (of the small SVD for randomized variants).
    var sweeps: Int?
    /// SVD: mean process CPU milliseconds per run (all threads), less sensitive to load than `ms`.
    var cpuMs: Double?
    /// dequant: nanoseconds per encoded block, output GB/s (Float bytes written per second), and for the SIMD
    /// path its speed relative to the scalar reference (reference time / SIMD time).
    var nsPerBlock: Double?
    var outGBPerSecond: Double?
    var vsReference: Double?
    /// gemv: stored weight bytes read per second.
    var readGBPerSecond: Double?

    enum CodingKeys: String, CodingKey {
        case kernel, variant, shape, dtype, threads, ms, gflops, rank, sweeps
        case cpuMs = "cpu_ms"
        case nsPerBlock = "ns_per_block"
        case outGBPerSecond = "out_gb_s"
        case vsReference = "vs_reference"
        case readGBPerSecond = "read_gb_s"
        case maxRelSigmaErr = "max_rel_sigma_err"
    }

    init(kernel: String, variant: String, shape: [Int], dtype: String, threads: Int, seconds: Double,
         flops: Double?, rank: Int? = nil, maxRelSigmaErr: Double? = nil) {
        self.kernel = kernel
        self.variant = variant
        self.shape = shape
        self.dtype = dtype
        self.threads = threads
        self.ms = (seconds * 1e6).rounded() / 1e3
        self.gflops = flops.map { ($0 / seconds / 1e9 * 10).rounded() / 10 }
        self.rank = rank
        self.maxRelSigmaErr = maxRelSigmaErr
    }

    var jsonLine: String { svdllm.jsonLine(self) }

    var humanLine: String {
        let shapeText = shape.map(String.init).joined(separator: "×")
        var s = "\(kernel.padding(toLength: 9, withPad: " ", startingAt: 0)) "
            + "\(variant.padding(toLength: 15, withPad: " ", startingAt: 0)) "
            + "\(shapeText.padding(toLength: 16, withPad: " ", startingAt: 0)) \(dtype) t=\(threads) "
            + String(format: "%10.3f ms", ms)
        if let g = gflops { s += String(format: "  %7.1f GFLOP/s", g) }
        if let r = rank { s += "  rank \(r)" }
        if let e = maxRelSigmaErr { s += String(format: "  max rel σ err %.2e", e) }
        if let c = cpuMs { s += String(format: "  cpu %.1f ms", c) }
        if let w = sweeps { s += "  \(w) sweeps" }
        if let b = nsPerBlock { s += String(format: "  %10.4f ns/block", b) }
        if let g = outGBPerSecond { s += String(format: "  %6.2f GB/s out", g) }
        if let g = readGBPerSecond { s += String(format: "  %6.2f GB/s read", g) }
        if let v = vsReference { s += String(format: "  %.2f× the reference", v) }
        return s
    }
}
