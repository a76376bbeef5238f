import SVDLLMKit

/// Seeded, normal-ish synthetic weights, reproducible row by row.
///
/// Every row of every tensor has its own generator, seeded from (seed, tensor name, row):
/// ```
/// s = mix(mix(seed ⊕ fnv1a(name)) ⊕ row)      mix: SplitMix64's finalizer; then SeededGenerator(seed: s)
/// ```
/// so the values do not depend on how rows are split into chunks or over threads.
///
/// A value is an Irwin–Hall sum of four uniforms, scaled to the wanted standard deviation σ: one 64-bit draw gives
/// four 16-bit quarters h₁…h₄, uᵢ = (hᵢ + ½)/2¹⁶ is uniform on (0, 1) with mean ½ and variance ≈ 1/12, and
/// ```
/// x = σ·√3·(u₁ + u₂ + u₃ + u₄ − 2) = σ·√3·(h₁ + h₂ + h₃ + h₄ − 131070)/2¹⁶
/// ```
/// has mean 0 and variance σ² (exactly σ²·(1 − 2⁻³²)). It is bell-shaped (excess kurtosis −0.3) and bounded by
/// |x| < 2√3·σ ≈ 3.46σ — "normal-ish", with one draw and one conversion per value.
enum SyntheticWeights {
    /// SplitMix64's output function: a bijection of UInt64 that mixes every input bit into every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a (64-bit) of the UTF-8 bytes of `name`: a fixed hash (Swift's `Hasher` is randomized per process).
    static func fnv1a(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The generator of row `row` of tensor `name`.
    static func generator(seed: UInt64, tensor name: String, row: Int) -> SeededGenerator {
        SeededGenerator(seed: mix(mix(seed ^ fnv1a(name)) ^ UInt64(row)))
    }

    /// Fills `out[0..<count]` with values of standard deviation `std` from `generator`.
    static func fill(_ out: UnsafeMutablePointer<Float>, count: Int, std: Float, generator g: inout SeededGenerator) {
        let scale = std * Float(3).squareRoot() / 65536
        for i in 0..<count {
            let r = g.next()
            let sum = Int32(truncatingIfNeeded: r & 0xFFFF) + Int32(truncatingIfNeeded: (r >> 16) & 0xFFFF)
                + Int32(truncatingIfNeeded: (r >> 32) & 0xFFFF) + Int32(truncatingIfNeeded: r >> 48)
            out[i] = Float(sum - 131_070) * scale
        }
    }
}
