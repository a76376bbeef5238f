/// Why a factorization or solve could not be carried out. Every case names the argument or the index at fault.
public enum FactorizationError: Error, Equatable, CustomStringConvertible {
    /// Cholesky: the pivot d_j = a_jj − Σ_{k<j} l_jk² at 0-based diagonal index `pivot` is ≤ 0 (or NaN),
    /// i.e. the leading (pivot + 1) × (pivot + 1) minor of A is not positive definite.
    case notPositiveDefinite(pivot: Int)
    /// An argument has the wrong shape: `expected` and `got` describe it ("square", "4×3", "5 rows", …).
    case dimensionMismatch(argument: String, expected: String, got: String)
    /// A triangular factor has a zero diagonal element at 0-based `index` (R in least squares, a triangular
    /// matrix being inverted).
    case singular(index: Int)
    /// An argument holds NaN or ±Inf at (row, col).
    case nonFinite(argument: String, row: Int, col: Int)
    /// A parameter is out of range.
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .notPositiveDefinite(pivot):
            return "argument 'a' is not positive definite: pivot \(pivot) (0-based) is not positive"
        case let .dimensionMismatch(argument, expected, got):
            return "argument '\(argument)': expected \(expected), got \(got)"
        case let .singular(index):
            return "triangular factor is singular: diagonal element \(index) (0-based) is zero"
        case let .nonFinite(argument, row, col):
            return "argument '\(argument)' holds a non-finite value at (\(row), \(col))"
        case let .invalidArgument(name, reason):
            return "argument '\(name)': \(reason)"
        }
    }
}
