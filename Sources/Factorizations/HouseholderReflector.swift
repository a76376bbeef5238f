import Foundation
import LinearAlgebraCore

/// One elementary reflector H = I − τ·v·vᵀ with v₀ = 1 (LAPACK LARFG / LARF conventions).
enum HouseholderReflector {
    /// ‖x‖₂ of `count` elements `stride` apart, in Double: one plain pass, redone with scaling by max|xᵢ| only
    /// when the plain sum of squares over- or underflows.
    @inline(__always)
    static func norm<T: LinalgScalar>(_ x: UnsafePointer<T>, count n: Int, stride s: Int) -> Double {
        var ssq = 0.0
        for i in 0..<n {
            let v = x[i * s].asDouble
            ssq += v * v
        }
        if ssq.isFinite && ssq > 0x1p-960 { return ssq.squareRoot() }
        if ssq == 0 && T.self == Float.self { return 0 }  // Float squares cannot underflow in Double
        var scale = 0.0
        for i in 0..<n { scale = Swift.max(scale, abs(x[i * s].asDouble)) }
        guard scale > 0, scale.isFinite else { return scale }
        ssq = 0
        for i in 0..<n {
            let v = x[i * s].asDouble / scale
            ssq += v * v
        }
        return scale * ssq.squareRoot()
    }

    /// Generates H with Hᵀ·[α; x] = [β; 0]: on return x holds v₁… (v₀ = 1 implicit) and the result is (β, τ).
    ///
    /// β = −sign(α)·‖[α; x]‖₂, τ = (β − α)/β ∈ [1, 2], v = [1; x/(α − β)]. When x = 0 already, τ = 0 (H = I)
    /// and β = α, whatever the sign of α. Tiny columns are rescaled by 1/safmin (safmin = least normal/ε) until
    /// |β| is representable with full precision, as LAPACK does.
    @inline(__always)
    static func generate<T: LinalgScalar>(alpha: T, _ x: UnsafeMutablePointer<T>, count n: Int, stride s: Int)
        -> (beta: T, tau: T) {
        var xnorm = norm(x, count: n, stride: s)
        if xnorm == 0 { return (alpha, 0) }
        var a = alpha.asDouble
        var beta = -copysign(hypot(a, xnorm), a)
        let safmin = T.leastNormalMagnitude.asDouble / T.machineEpsilon
        var rescalings = 0
        if abs(beta) < safmin {
            let inverse = T(1 / safmin)
            repeat {
                rescalings += 1
                for i in 0..<n { x[i * s] *= inverse }
                beta *= 1 / safmin
                a *= 1 / safmin
            } while abs(beta) < safmin && rescalings < 20
            xnorm = norm(x, count: n, stride: s)
            beta = -copysign(hypot(a, xnorm), a)
        }
        let tau = T((beta - a) / beta)
        let factor = T(1 / (a - beta))
        for i in 0..<n { x[i * s] *= factor }
        for _ in 0..<rescalings { beta *= safmin }
        return (T(beta), tau)
    }

    /// C ← (I − τ·v·vᵀ)·C for C with v.count rows; v₀ = 1 is implicit, v₁… are `count − 1` elements `stride`
    /// apart at `tail`. `w` is scratch for C.cols elements. H is symmetric, so this is also Hᵀ·C.
    @inline(__always)
    static func apply<T: LinalgScalar>(tau: T, tail: UnsafePointer<T>, stride s: Int, to c: MutableMatrixView<T>,
                                       w: UnsafeMutablePointer<T>) {
        let cc = c.cols
        guard tau != 0, cc > 0 else { return }
        // w = vᵀ·C = C₀ + Σ_{r≥1} v_r·C_r (rows are contiguous)
        w.update(from: c.base, count: cc)
        for r in 1..<Swift.max(1, c.rows) { axpy(tail[(r - 1) * s], c.base + r * c.rowStride, w, count: cc) }
        // C ← C − τ·v·wᵀ
        axpy(-tau, w, c.base, count: cc)
        for r in 1..<Swift.max(1, c.rows) { axpy(-tau * tail[(r - 1) * s], w, c.base + r * c.rowStride, count: cc) }
    }
}
