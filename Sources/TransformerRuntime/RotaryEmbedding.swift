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
    public func apply(to x: inout Matrix<Float>, firstPosition: Int, parallelism: Parallelism = .serial) {
        var none = Matrix<Float>(rows: 0, cols: 0)
        apply(queries: &x, keys: &none, firstPosition: firstPosition, parallelism: parallelism)
    }

    /// Rotates queries and keys (tokens × heads·headDim each, the same tokens) with one cos/sin table per row;
    /// rows split over `parallelism`. An empty `keys` (0 × 0) is skipped.
    public func apply(queries q: inout Matrix<Float>, keys k: inout Matrix<Float>, firstPosition: Int,
                      parallelism: Parallelism = .serial) {
        let d = headDim, half = d / 2, tokens = q.rows
        precondition(q.cols % d == 0 && k.cols % d == 0 && (k.rows == tokens || k.elements.isEmpty))
        let qWidth = q.cols, kWidth = k.elements.isEmpty ? 0 : k.cols
        let threads = tokens * (qWidth + kWidth) >= 1 << 15 ? parallelism : .serial
        q.elements.withUnsafeMutableBufferPointer { qb in
            k.elements.withUnsafeMutableBufferPointer { kb in
                inverseFrequencies.withUnsafeBufferPointer { w in
                    let qBase = qb.baseAddress!, kBase = kb.baseAddress
                    threads.forEachRange(tokens) { rows in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { table in
                            let cosT = table.baseAddress!, sinT = cosT + half  // half values each
                            for t in rows {
                                let p = Float(firstPosition + t)
                                for i in 0..<half {
                                    let angle = p * w[i]
                                    cosT[i] = Foundation.cos(angle)
                                    sinT[i] = Foundation.sin(angle)
                                }
                                Self.rotate(qBase + t * qWidth, width: qWidth, half: half, cos: cosT, sin: sinT)
                                if let kBase {
                                    Self.rotate(kBase + t * kWidth, width: kWidth, half: half, cos: cosT, sin: sinT)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every head (2·half values) of one row:  (a, b) ← (a cos − b sin, b cos + a sin).
    @inline(__always)
    static func rotate(_ row: UnsafeMutablePointer<Float>, width: Int, half: Int,
                       cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        for h in stride(from: 0, to: width, by: 2 * half) {
            let v = row + h
            for i in 0..<half {
                let a = v[i], b = v[i + half]
                v[i] = a * cos[i] - b * sin[i]
                v[i + half] = b * cos[i] + a * sin[i]
            }
        }
    }
}
