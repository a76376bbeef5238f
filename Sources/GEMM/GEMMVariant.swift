/// The GEMM implementations, selectable by name (`svdllm bench gemm --variant NAME`).
public enum GEMMVariant: String, Sendable, CaseIterable {
    /// Triple loop, accumulating in the element type: the permanent reference.
    case naive
    /// BLIS five-loop algorithm: packed panels of A and B and an MR×NR SIMD register-tile micro-kernel
    /// (``GEMMMicroKernel``); a C of one row or one column goes to SIMD GEMV kernels instead.
    case blocked
    /// `blocked`, with the macro-kernel loops spread over the threads of a ``Parallelism``.
    case parallel
}
