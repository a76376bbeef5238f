import Factorizations
import Foundation
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
            return lowerTriangularProduct(w, l, parallelism: parallelism)  // the zero blocks above the diagonal skipped
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

/// ASVD's activation-aware scaling of one input group: S = diag(s), s_j = (Σ_t |x_tj| / N)^α over the N calibration
/// tokens; channels below 10⁻⁶ of the largest scale (dead channels) are raised to it, so S stays invertible.
///
/// - Throws: ``CompressionError/nonFinite(layer:name:what:)`` when the scales are not finite or all zero.
func activationScaling(_ stats: GramAccumulator, alpha: Double, layer: Int, name: String)
    throws(CompressionError) -> InputScaling {
    let tokens = Double(Swift.max(1, stats.tokens))
    var s = stats.absoluteSums.map { Foundation.pow($0 / tokens, alpha) }
    let largest = s.max() ?? 0
    guard largest.isFinite, largest > 0 else {
        throw .nonFinite(layer: layer, name: name, what: "the activation scale")
    }
    for j in s.indices where !(s[j] > 1e-6 * largest) { s[j] = 1e-6 * largest }  // dead channels
    return .diagonal(s)
}
