import Foundation
import Formats
import LinearAlgebraCore

/// Rotary position embedding in the Hugging Face "rotate half" convention (on un-permuted q/k weights).
///
/// For a head vector x of size D, half = D/2, and frequency ωᵢ = θ^(−2i/D) (possibly rescaled), position p:
///
///     x'ᵢ        = xᵢ cos(p ωᵢ) − x_{i+half} sin(p ωᵢ)
///     x'_{i+half} = x_{i+half} cos(p ωᵢ) + xᵢ sin(p ωᵢ)        (i < half)
///
/// The arithmetic mirrors transformers in float32: ωᵢ = 1 / θ^(2i/D), the angle p·ωᵢ rounded to float.
public struct RotaryEmbedding: Sendable, Equatable {
    public let headDim: Int
    /// ωᵢ, headDim/2 values.
    public let inverseFrequencies: [Float]

    /// θ = `theta`; `scaling` "linear" divides every ω by the factor, "llama3" rescales the low and middle
    /// frequencies as in LLaMA 3.1 (transformers' `_compute_llama3_parameters`).
    public init(headDim: Int, theta: Double, scaling: RopeScaling? = nil) throws(RuntimeError) {
        precondition(headDim % 2 == 0)
        self.headDim = headDim
        var w = (0..<headDim / 2).map { i in Float(1) / powf(Float(theta), Float(2 * i) / Float(headDim)) }
        if let s = scaling {
            switch s.type {
            case "default": break
            case "linear": w = w.map { $0 / Float(s.factor) }
            case "llama3":
                guard let old = s.originalContextLength, let lo = s.lowFreqFactor, let hi = s.highFreqFactor else {
                    throw RuntimeError.invalidInput(argument: "rope_scaling",
                                                    reason: "llama3 needs original_max_position_embeddings, low/high_freq_factor")
                }
                let lowWavelen = Double(old) / lo, highWavelen = Double(old) / hi
                w = w.map { f in
                    let wavelen = 2 * Double.pi / Double(f)
                    if wavelen < highWavelen { return f }
                    if wavelen > lowWavelen { return Float(Double(f) / s.factor) }
                    let smooth = (Double(old) / wavelen - lo) / (hi - lo)
                    return Float((1 - smooth) * Double(f) / s.factor + smooth * Double(f))
                }
            default:
                throw RuntimeError.unsupportedArchitecture("rope_scaling type '\(s.type)'")
            }
        }
        inverseFrequencies = w
    }

    /// Rotates every head of every row of `x` (tokens × heads·headDim); row t is at position firstPosition + t.
    public func apply(to x: inout Matrix<Float>, firstPosition: Int) {
        let d = headDim, half = d / 2, heads = x.cols / d
        precondition(x.cols % d == 0)
        var cosT = [Float](repeating: 0, count: half), sinT = cosT
        x.elements.withUnsafeMutableBufferPointer { e in
            for t in 0..<x.rows {
                let p = Float(firstPosition + t)
                for i in 0..<half {
                    let angle = p * inverseFrequencies[i]
                    cosT[i] = Foundation.cos(angle)
                    sinT[i] = Foundation.sin(angle)
                }
                for h in 0..<heads {
                    let v = e.baseAddress! + t * x.cols + h * d
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        v[i] = a * cosT[i] - b * sinT[i]
                        v[i + half] = b * cosT[i] + a * sinT[i]
                    }
                }
            }
        }
    }
}
