import LinearAlgebraCore

/// Inverted dropout with probability p, drawn from a counter-based hash so that no mask is stored: the backward
/// pass and a resumed run regenerate exactly the mask the forward used.
///
///     keepᵢ ⇔ uᵢ ≥ ⌊p·2¹⁶⌉,   uᵢ = bits 16·(i mod 4) … 16·(i mod 4) + 15 of SplitMix64(stream ⊕ ⌊i/4⌋·φ)
///     drop(x)ᵢ = xᵢ · keepᵢ / (1 − p)
///
/// (one hash gives four 16-bit uniforms; p is applied to 1/65536.)
///
/// `stream` mixes the run's seed, the optimizer step, the micro-batch and the adapter (``init(seed:step:microBatch:adapter:probability:)``).
public struct DropoutMask: Sendable, Equatable {
    public let probability: Double
    public let stream: UInt64
    /// ⌊p·2¹⁶⌉: a 16-bit draw below it drops the element.
    let threshold: UInt64

    public init(seed: UInt64, step: Int, microBatch: Int, adapter: Int, probability: Double) {
        precondition((0..<1).contains(probability))
        self.probability = probability
        var s = Self.mix(seed)
        s = Self.mix(s ^ UInt64(truncatingIfNeeded: step))
        s = Self.mix(s ^ UInt64(truncatingIfNeeded: microBatch))
        stream = Self.mix(s ^ UInt64(truncatingIfNeeded: adapter))
        threshold = UInt64((probability * 65536).rounded())
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
        (bits(group: i >> 2) >> UInt64(16 * (i & 3))) & 0xFFFF >= threshold
    }

    /// The hash of elements 4g … 4g + 3.
    @inline(__always) func bits(group g: Int) -> UInt64 {
        Self.mix(stream ^ (UInt64(truncatingIfNeeded: g) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// drop(x) = x ⊙ keep / (1 − p).
    public func apply<T: TrainingScalar>(to x: Matrix<T>, parallelism: Parallelism) -> Matrix<T> {
        var y = x
        let scale = T(1 / (1 - probability)), n = x.cols
        let t = threshold
        MatrixProducts.forEachRowRange(&y, parallelism: parallelism) { rows, base in
            let start = rows.lowerBound * n, end = rows.upperBound * n
            // Elements up to the first whole group, whole groups of four (one hash each), the rest.
            var i = start
            while i < end && i & 3 != 0 {
                base[i] = keeps(i) ? base[i] * scale : 0
                i += 1
            }
            let groups = (end - i) >> 2, g0 = i >> 2
            for g in 0..<groups {
                let h = bits(group: g0 + g), v = base + 4 * (g0 + g)
                v[0] = h & 0xFFFF >= t ? v[0] * scale : 0
                v[1] = (h >> 16) & 0xFFFF >= t ? v[1] * scale : 0
                v[2] = (h >> 32) & 0xFFFF >= t ? v[2] * scale : 0
                v[3] = h >> 48 >= t ? v[3] * scale : 0
            }
            i += 4 * groups
            while i < end {
                base[i] = keeps(i) ? base[i] * scale : 0
                i += 1
            }
        }
        return y
    }
}
