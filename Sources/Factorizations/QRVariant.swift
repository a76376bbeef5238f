/// The Householder QR implementations, selectable by name.
public enum QRVariant: String, Sendable, CaseIterable {
    /// One reflector at a time over the whole matrix (LAPACK GEQR2 / ORG2R / ORM2R): the reference.
    case unblocked
    /// Compact WY (LAPACK GEQRF / GEQRT3 style): panels of `blockSize` columns factored recursively, each panel's
    /// reflectors gathered as H = I − V·T·Vᵀ and applied to the trailing columns, to Q and to right-hand sides
    /// by GEMM.
    case blocked
}
