import LinearAlgebraCore
import TransformerRuntime

/// The gated MLP's hidden layer (SwiGLU for LLaMA, GeGLU for Gemma 3):  g = act(a) ⊙ b, with a = X W_gateᵀ and
/// b = X W_upᵀ (tokens × intermediate). Backward:  da = dg ⊙ b ⊙ act′(a),  db = dg ⊙ act(a).
///
///     SiLU:       act(x) = x σ(x),                  act′(x) = σ(x) (1 + x (1 − σ(x)))
///     GELU tanh:  act(x) = ½x (1 + tanh u),  u = c (x + 0.044715 x³),  c = √(2/π),
///                 act′(x) = ½ (1 + tanh u) + ½x (1 − tanh² u) c (1 + 3·0.044715 x²)
///     ReLU:       act(x) = max(x, 0),               act′(x) = [x > 0]
///
/// The forward keeps nothing beyond a and b, which the block keeps. The loops are ``TrainingScalar``'s
/// `gatedForward` / `gatedBackward`: SIMD for Float (``GatedActivationOp/forwardSIMD(_:_:count:activation:)``),
/// the scalar ``value(_:_:)`` and ``derivative(_:_:)`` (the reference) for Double.
public enum GatedActivationOp {
    static func value<T: TrainingScalar>(_ x: T, _ act: Activation) -> T {
        switch act {
        case .silu: return x / (1 + T.exp(-x))
        case .geluTanh:
            let c = T(0.7978845608028654)
            return T(0.5) * x * (1 + T.tanh(c * (x + T(0.044715) * x * x * x)))
        case .relu: return Swift.max(x, 0)
        }
    }

    static func derivative<T: TrainingScalar>(_ x: T, _ act: Activation) -> T {
        switch act {
        case .silu:
            let s = 1 / (1 + T.exp(-x))
            return s * (1 + x * (1 - s))
        case .geluTanh:
            let c = T(0.7978845608028654), k = T(0.044715)
            let th = T.tanh(c * (x + k * x * x * x))
            return T(0.5) * (1 + th) + T(0.5) * x * (1 - th * th) * c * (1 + 3 * k * x * x)
        case .relu: return x > 0 ? 1 : 0
        }
    }

    /// act(gate) ⊙ up.
    public static func forward<T: TrainingScalar>(gate: Matrix<T>, up: Matrix<T>, activation: Activation,
                                                  parallelism: Parallelism) -> Matrix<T> {
        precondition(gate.rows == up.rows && gate.cols == up.cols)
        var g = gate
        let n = gate.cols
        up.elements.withUnsafeBufferPointer { ub in
            let u = ub.baseAddress!
            MatrixProducts.forEachRowRange(&g, parallelism: parallelism) { rows, base in
                let start = rows.lowerBound * n
                T.gatedForward(base + start, u + start, count: rows.count * n, activation: activation)
            }
        }
        return g
    }

    /// (d gate, d up) for dg.
    public static func backward<T: TrainingScalar>(_ dg: Matrix<T>, gate: Matrix<T>, up: Matrix<T>,
                                                   activation: Activation,
                                                   parallelism: Parallelism) -> (dGate: Matrix<T>, dUp: Matrix<T>) {
        precondition(dg.rows == gate.rows && dg.cols == gate.cols && up.cols == gate.cols)
        var dGate = dg, dUp = dg
        let n = dg.cols
        gate.elements.withUnsafeBufferPointer { ab in
            up.elements.withUnsafeBufferPointer { bb in
                dUp.elements.withUnsafeMutableBufferPointer { dub in
                    let a = ab.baseAddress!, b = bb.baseAddress!, du = dub.baseAddress!
                    MatrixProducts.forEachRowRange(&dGate, parallelism: parallelism) { rows, da in
                        let start = rows.lowerBound * n
                        T.gatedBackward(da + start, du + start, gate: a + start, up: b + start, count: rows.count * n,
                                        activation: activation)
                    }
                }
            }
        }
        return (dGate, dUp)
    }
}

// MARK: - Kernels

extension GatedActivationOp {
    /// g ← act(g) ⊙ u, scalar: the reference.
    static func forwardReference<T: TrainingScalar>(_ g: UnsafeMutablePointer<T>, _ u: UnsafePointer<T>, count n: Int,
                                                    activation: Activation) {
        for i in 0..<n { g[i] = value(g[i], activation) * u[i] }
    }

    /// dg ← dg ⊙ b ⊙ act′(a) (the gate's gradient, in place), du ← dg ⊙ act(a), scalar: the reference.
    static func backwardReference<T: TrainingScalar>(_ dg: UnsafeMutablePointer<T>, _ du: UnsafeMutablePointer<T>,
                                                     gate a: UnsafePointer<T>, up b: UnsafePointer<T>, count n: Int,
                                                     activation: Activation) {
        for i in 0..<n {
            let d = dg[i]
            dg[i] = d * b[i] * derivative(a[i], activation)
            du[i] = d * value(a[i], activation)
        }
    }

    /// The forward in 8-lane SIMD: the runtime's own gate kernels (``TransformerRuntime/VectorMath``), so the
    /// training forward rounds as the runtime does.
    static func forwardSIMD(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count n: Int,
                            activation: Activation) {
        switch activation {
        case .silu: VectorMath.siluGate(g, u, count: n)
        case .geluTanh: VectorMath.geluTanhGate(g, u, count: n)
        case .relu: forwardReference(g, u, count: n, activation: .relu)
        }
    }

    /// The backward in 8-lane SIMD (``VectorMath/exp(_:)``; tanh y = 1 − 2/(e^{2y} + 1)), the tail scalar.
    static func backwardSIMD(_ dg: UnsafeMutablePointer<Float>, _ du: UnsafeMutablePointer<Float>,
                             gate a: UnsafePointer<Float>, up b: UnsafePointer<Float>, count n: Int, activation: Activation) {
        typealias V = VectorMath.V
        guard activation != .relu else {
            backwardReference(dg, du, gate: a, up: b, count: n, activation: .relu)
            return
        }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
        }
        var i = 0
        while i + 8 <= n {
            let x = load(a + i), d = load(dg + i), bv = load(b + i)
            let act: V, slope: V
            if activation == .silu {
                let s = 1 / (1 + VectorMath.exp(-x))
                act = x * s
                slope = s * (1 + x * (1 - s))
            } else {
                let c = V(repeating: 0.7978845608028654), k = V(repeating: 0.044715), one = V(repeating: 1)
                let x2: V = x * x
                let y: V = c * (x + k * x2 * x)
                let e: V = VectorMath.exp(y + y)
                let th: V = one - 2 / (e + one)
                let half: V = 0.5 * (one + th)
                act = x * half
                let dy: V = c * (one + 3 * k * x2)
                slope = half + 0.5 * x * (one - th * th) * dy
            }
            store(d * bv * slope, dg + i)
            store(d * act, du + i)
            i += 8
        }
        backwardReference(dg + i, du + i, gate: a + i, up: b + i, count: n - i, activation: activation)
    }
}
