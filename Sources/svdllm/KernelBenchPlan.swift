import SVDLLMKit

/// What one kernel benchmark run measures: the kernel family, which of its variants, the shapes, threads and
/// repeats, and the SVD settings. `svdllm bench` makes one from its options; `svdllm notebook kernels` makes
/// several (per element type, thread count and variant subset) and runs them through the same ``KernelBench``.
struct KernelBenchPlan {
    var kernel: BenchCommand.Kernel
    /// Variant names (the `rawValue`s of the family's variant enum); nil for all of them.
    var variants: [String]?
    /// `--shapes` text (`512x512x512,1024`); nil for the family's default shapes.
    var shapes: String?
    var threads = 1
    /// GEMM: B given transposed (n × k), as the runtime's weights are.
    var transposeB = false
    /// GEMM: blocking and loop-order overrides.
    var gemmParams = GEMMParams()
    /// SYRK: A in Float, widened to the Double C while packing (the Gram accumulation); T must be Double.
    var widen = false
    /// SYRK with ``widen``: how the Double C is accumulated.
    var accumulation = SYRKAccumulation.double
    var repeats = 5
    /// SVD: the rank k of randomized variants (nil: min(m, n)/4).
    var rank: Int?
    var powerIters = 2
    /// SVD: oversampling p of randomized variants (nil: max(10, k/4)).
    var oversampling: Int?
    /// SVD: randomized variants' mixed-precision range finder for f64 (nil: the algorithm's default, on).
    var mixedRange: Bool?
    var jacobiParams = JacobiParams()
    /// SVD: tunables of the `bidiagonal` variant.
    var bidiagonalParams = BidiagonalSVDParams()
    var valuesOnly = false
    /// SVD: also measure the Jacobi variants' σ error against a Double reference.
    var checkSigma = false
}
