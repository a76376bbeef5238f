import LinearAlgebraCore

/// Inverted dropout with probability p, drawn from a counter-based hash so that no mask is stored: the backward
/// pass and a resumed run regenerate exactly the mask the forward used.
///
///     keepᵢ ⇔ uᵢ ≥ p,   uᵢ = (SplitMix64(stream ⊕ i·φ) >> 11) · 2⁻⁵³,   drop(x)ᵢ = xᵢ · keepᵢ / (1 − p)
///
/// `stream` mixes the run's seed, the optimizer step, the micro-batch and the adapter (``init(seed:step:microBatch:adapter:probability:)``).
public struct DropoutMask: Sendable, Equatable {
    public let probability: Double
    public let stream: UInt64

    public init(seed: UInt64, step: Int, microBatch: Int, adapter: Int, probability: Double) {
        precondition((0..<1).contains(probability))
        self.probability = probability
        var s = Self.mix(seed)
        s = Self.mix(s ^ UInt64(truncatingIfNeeded: step))
        s = Self.mix(s ^ UInt64(truncatingIfNeeded: microBatch))
        stream = Self.mix(s ^ UInt64(truncatingIfNeeded: adapter))
    }

    /// SplitMix64's finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Whether element i (row-major index) is kept.
    @inline(__always) public func keeps(_ i: Int) -> Bool {
        let u = Double(Self.mix(stream ^ (UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15)) >> 11) * 0x1.0p-53
        return u >= probability
    }

    /// drop(x) = x ⊙ keep / (1 − p).
    public func apply<T: TrainingScalar>(to x: Matrix<T>, parallelism: Parallelism) -> Matrix<T> {
        var y = x
        let scale = T(1 / (1 - probability)), n = x.cols
        MatrixProducts.forEachRowRange(&y, parallelism: parallelism) { rows, base in
            for i in rows.lowerBound * n..<rows.upperBound * n { base[i] = keeps(i) ? base[i] * scale : 0 }
        }
        return y
    }
}
