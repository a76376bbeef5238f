/// The symmetric rank-k update implementations, selectable by name (`svdllm bench syrk --variant NAME`).
public enum SYRKVariant: String, Sendable, CaseIterable {
    /// Double loop over the lower triangle, a dot product of two columns of A each: the permanent reference.
    case naive
    /// Packed like the blocked GEMM (both operands from one pass over A), the GEMM micro-kernel on the MR × NR tiles
    /// that touch the lower triangle only, on one thread.
    case blocked
    /// `blocked`, with the packing and the lower-triangle macro-tiles spread over the threads of a ``Parallelism``.
    case parallel
}
