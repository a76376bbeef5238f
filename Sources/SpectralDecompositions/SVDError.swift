/// Why an SVD could not be computed.
public enum SVDError: Error, Equatable, CustomStringConvertible {
    /// The input holds NaN or ±Inf (at the first such element).
    case nonFinite(row: Int, col: Int)
    /// Jacobi sweeps did not converge within the sweep limit.
    case noConvergence(sweeps: Int)
    /// An argument is out of range (a rank larger than min(m, n), …).
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFinite(r, c): return "SVD: non-finite input at (\(r), \(c))"
        case let .noConvergence(s): return "SVD: Jacobi did not converge after \(s) sweeps"
        case let .invalidArgument(n, r): return "SVD: argument '\(n)': \(r)"
        }
    }
}
