import Foundation
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// The element types the training ops compute in: `Float` (training) and `Double` (the gradient checks against
/// central finite differences). Adds the elementary functions the ops need to the GEMM scalar.
public protocol TrainingScalar: GEMMScalar {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    /// p[i] ← exp(p[i] − shift) for i < n; returns Σ exp in Double (Float: the runtime's SIMD exp, ``VectorMath``).
    static func expShifted(_ p: UnsafeMutablePointer<Self>, count n: Int, shift: Self) -> Double
    /// maxᵢ p[i] (−∞ for n = 0).
    static func maximum(_ p: UnsafePointer<Self>, count n: Int) -> Self
    /// g ← act(g) ⊙ u over n values (``GatedActivationOp``).
    static func gatedForward(_ g: UnsafeMutablePointer<Self>, _ u: UnsafePointer<Self>, count n: Int, activation: Activation)
    /// dg ← dg ⊙ b ⊙ act′(a), du ← dg ⊙ act(a) over n values (``GatedActivationOp``).
    static func gatedBackward(_ dg: UnsafeMutablePointer<Self>, _ du: UnsafeMutablePointer<Self>, gate a: UnsafePointer<Self>,
                              up b: UnsafePointer<Self>, count n: Int, activation: Activation)
}

extension Float: TrainingScalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func cos(_ x: Float) -> Float { Foundation.cos(x) }
    @inlinable public static func sin(_ x: Float) -> Float { Foundation.sin(x) }
    @inlinable public static func expShifted(_ p: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Double {
        VectorMath.expShifted(p, count: n, shift: shift)
    }
    @inlinable public static func maximum(_ p: UnsafePointer<Float>, count n: Int) -> Float { VectorMath.maximum(p, count: n) }
    public static func gatedForward(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count n: Int,
                                    activation: Activation) {
        GatedActivationOp.forwardSIMD(g, u, count: n, activation: activation)
    }
    public static func gatedBackward(_ dg: UnsafeMutablePointer<Float>, _ du: UnsafeMutablePointer<Float>,
                                     gate a: UnsafePointer<Float>, up b: UnsafePointer<Float>, count n: Int,
                                     activation: Activation) {
        GatedActivationOp.backwardSIMD(dg, du, gate: a, up: b, count: n, activation: activation)
    }
}

extension Double: TrainingScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inlinable public static func expShifted(_ p: UnsafeMutablePointer<Double>, count n: Int, shift: Double) -> Double {
        var sum = 0.0
        for i in 0..<n {
            p[i] = Foundation.exp(p[i] - shift)
            sum += p[i]
        }
        return sum
    }
    @inlinable public static func maximum(_ p: UnsafePointer<Double>, count n: Int) -> Double {
        var m = -Double.infinity
        for i in 0..<n { m = Swift.max(m, p[i]) }
        return m
    }
    public static func gatedForward(_ g: UnsafeMutablePointer<Double>, _ u: UnsafePointer<Double>, count n: Int,
                                    activation: Activation) {
        GatedActivationOp.forwardReference(g, u, count: n, activation: activation)
    }
    public static func gatedBackward(_ dg: UnsafeMutablePointer<Double>, _ du: UnsafeMutablePointer<Double>,
                                     gate a: UnsafePointer<Double>, up b: UnsafePointer<Double>, count n: Int,
                                     activation: Activation) {
        GatedActivationOp.backwardReference(dg, du, gate: a, up: b, count: n, activation: activation)
    }
}
