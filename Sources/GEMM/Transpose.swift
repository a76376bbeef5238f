/// Whether a GEMM operand is used as stored or transposed: op(A) = A or Aᵀ.
public enum Transpose: String, Sendable, CaseIterable {
    case none = "N"
    case transposed = "T"

    /// The shape of op(X) for a stored rows × cols matrix.
    @inlinable public func shape(rows: Int, cols: Int) -> (rows: Int, cols: Int) {
        self == .none ? (rows, cols) : (cols, rows)
    }
}
