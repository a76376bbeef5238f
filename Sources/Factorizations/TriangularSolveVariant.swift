/// The triangular-solve implementations, selectable by name.
public enum TriangularSolveVariant: String, Sendable, CaseIterable {
    /// Element-by-element substitution through op(A)'s subscripts: the permanent reference.
    case naive
    /// Recursive halving of op(A) down to `blockSize`: diagonal-block solves on a packed copy of the block,
    /// off-diagonal updates by GEMM; independent right-hand sides split over the threads.
    case blocked
}
