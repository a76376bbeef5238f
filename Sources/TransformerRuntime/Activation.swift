import Foundation
import LinearAlgebraCore

/// The gate nonlinearities of the gated MLPs: down(act(gate(x)) ⊙ up(x)).
public enum Activation: String, Sendable, CaseIterable {
    /// SiLU (swish): x · σ(x) = x / (1 + e⁻ˣ). LLaMA, Mistral, Qwen2.
    case silu
    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Gemma (`gelu_pytorch_tanh`).
    case geluTanh
    /// max(x, 0). OPT.
    case relu

    /// From a Hugging Face `hidden_act` name.
    public init(huggingFaceName name: String) throws(RuntimeError) {
        switch name {
        case "silu", "swish": self = .silu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_tanh": self = .geluTanh
        case "relu": self = .relu
        default: throw RuntimeError.unsupportedArchitecture("activation '\(name)'")
        }
    }

    @inlinable public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .silu: return x / (1 + Foundation.exp(-x))
        case .geluTanh:
            let c: Float = 0.7978845608028654  // √(2/π)
            return 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x)))
        case .relu: return Swift.max(x, 0)
        }
    }

    /// gate ← act(gate) ⊙ up, elementwise (both tokens × intermediate), rows split over `parallelism`;
    /// the SIMD forms of ``VectorMath`` (the scalar `callAsFunction` is the reference).
    public func gated(_ gate: inout Matrix<Float>, times up: Matrix<Float>, parallelism: Parallelism = .serial) {
        precondition(gate.rows == up.rows && gate.cols == up.cols)
        let n = gate.cols, act = self
        gate.elements.withUnsafeMutableBufferPointer { g in
            up.elements.withUnsafeBufferPointer { u in
                let gp = g.baseAddress!, up = u.baseAddress!
                let threads = gate.rows >= 16 ? parallelism : .serial
                threads.forEachRange(gate.rows) { rows in
                    let start = rows.lowerBound * n, count = rows.count * n
                    switch act {
                    case .silu: VectorMath.siluGate(gp + start, up + start, count: count)
                    case .geluTanh: VectorMath.geluTanhGate(gp + start, up + start, count: count)
                    case .relu: for i in start..<start + count { gp[i] = Swift.max(gp[i], 0) * up[i] }
                    }
                }
            }
        }
    }
}
