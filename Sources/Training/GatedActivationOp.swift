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
/// The forward keeps nothing beyond a and b, which the block keeps.
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
                for i in rows.lowerBound * n..<rows.upperBound * n { base[i] = value(base[i], activation) * u[i] }
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
                        for i in rows.lowerBound * n..<rows.upperBound * n {
                            let d = da[i]
                            da[i] = d * b[i] * derivative(a[i], activation)
                            du[i] = d * value(a[i], activation)
                        }
                    }
                }
            }
        }
        return (dGate, dUp)
    }
}
