/// Q4_0 encoding (ggml's `quantize_row_q4_0_ref`): blocks of 32 weights, 18 bytes — one F16 scale and 32 4-bit
/// codes, two per byte.
/// ```
/// m    = the x_i of largest magnitude, with its sign (the first one on ties)
/// d    = m / −8                          stored as F16: d₁₆ = f16(d)
/// q_i  = min(15, ⌊x_i · (1/d) + 8.5⌋)    (x_i/d ∈ [−8, 8], so the floor is ≥ 0); 8 for every i when d = 0
///                                        (an all-zero block: d = 0/−8 = −0, stored 0x8000 as ggml stores it)
/// qs[j] = q_j | q_{j+16} << 4            (j < 16: element j in the low nibble, j + 16 in the high one)
/// decoded: x̂_i = (q_i − 8) · d₁₆        (``Dequantize`` Q4_0)
/// ```
/// The sign of d puts m itself on the code 0: m/d = −8 → q = 0 → x̂ = −8·d = m exactly (up to d₁₆). The other
/// end of the range, x/d ∈ [7.5, 8] (values near −m), is clamped to 15 = +7.
///
/// Error bound. Away from the clamp ⌊t + 8.5⌋ − 8 rounds t = x_i/d to the nearest integer, so
/// |x_i − (q_i − 8)·d| ≤ |d|/2; in the clamped range t ∈ [7.5, 8] the error is (t − 7)·|d| ≤ |d| (the value −m is
/// decoded as −7/8·m). The F16 scale adds |q_i − 8|·|d − d₁₆| ≤ 8·2⁻¹¹·|d| for |d| in F16's normal range, so
/// ```
/// |x_i − x̂_i| ≤ |d|·(1 + 2⁻⁸)            and ≤ |d|·(1/2 + 2⁻⁸) when x_i/d < 7.5
/// ```
/// (plus a few Float ulps). Non-finite inputs do not trap; their codes are unspecified.
extension Quantize {
    static func q4_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, _ blocks: Int) {
        for b in 0..<blocks {
            let v = x + b * 32, p = out + b * 18
            var amax: Float = 0, m: Float = 0
            for i in 0..<32 where abs(v[i]) > amax {
                amax = abs(v[i])
                m = v[i]
            }
            let d = m / -8
            let inverse: Float = d != 0 ? 1 / d : 0
            store(HalfPrecision.f16Bits(d), p, 0)
            @inline(__always) func code(_ value: Float) -> UInt8 {
                let t = value * inverse + 8.5
                // t ≥ 0 for finite inputs; the comparisons also keep NaN (false everywhere) from trapping.
                return t >= 15 ? 15 : t >= 0 ? UInt8(t) : 0
            }
            for j in 0..<16 {
                p.storeBytes(of: code(v[j]) | code(v[j + 16]) << 4, toByteOffset: 2 + j, as: UInt8.self)
            }
        }
    }
}
