import Factorizations
import GEMM
import LinearAlgebraCore

/// The input-side transform S a method decomposes W·S under (W out × in, S in × in), and its inverse:
///
/// - identity: S = I (plain SVD);
/// - diagonal: S = diag(s) (ASVD's activation-aware scaling);
/// - lowerTriangular: S = L with XᵀX = L·Lᵀ (SVD-LLM's whitening: ‖W X‖ = ‖W L‖ for every W, so dropping
///   the smallest singular values of W·L drops exactly their squares from the output loss).
public enum InputScaling: Sendable {
    case identity
    case diagonal([Double])
    case lowerTriangular(Matrix<Double>)

    /// W·S (out × in).
    public func scale(_ w: Matrix<Double>, parallelism: Parallelism = .serial) -> Matrix<Double> {
        switch self {
        case .identity:
            return w
        case let .diagonal(s):
            precondition(s.count == w.cols)
            var out = w
            for i in 0..<w.rows { for j in 0..<w.cols { out.elements[i * w.cols + j] *= s[j] } }
            return out
        case let .lowerTriangular(l):
            precondition(l.rows == w.cols && l.cols == w.cols)
            return matmul(w, l, parallelism: parallelism)
        }
    }

    /// B·S⁻¹ (r × in), by a triangular solve for the whitening factor (never an explicit inverse).
    public func unscale(_ b: Matrix<Double>, parallelism: Parallelism = .serial) -> Matrix<Double> {
        switch self {
        case .identity:
            return b
        case let .diagonal(s):
            precondition(s.count == b.cols)
            var out = b
            for i in 0..<b.rows { for j in 0..<b.cols { out.elements[i * b.cols + j] /= s[j] } }
            return out
        case let .lowerTriangular(l):
            var x = b
            l.withView { lv in
                x.withMutableView { xv in
                    triangularSolve(side: .right, part: .lower, lv, xv, parallelism: parallelism)
                }
            }
            return x
        }
    }
}
