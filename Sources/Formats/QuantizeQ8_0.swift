/// Q8_0 encoding (ggml's `quantize_row_q8_0_ref`): blocks of 32 weights, 34 bytes — one F16 scale and 32 Int8 codes.
/// ```
/// amax = max_i |x_i|
/// d    = amax / 127                      stored as F16: d₁₆ = f16(d)
/// q_i  = round(x_i · (1/d))              round half away from zero; 0 when d = 0
/// decoded: x̂_i = q_i · d₁₆              (``Dequantize`` Q8_0)
/// ```
/// Since |x_i| ≤ amax = 127·d, |q_i| ≤ 127 and no clamp is needed.
///
/// Error bound. |x_i − q_i·d| ≤ d/2 (rounding), and |q_i·d − q_i·d₁₆| ≤ 127·|d − d₁₆| with
/// |d − d₁₆| ≤ 2⁻¹¹·d for d in F16's normal range (≥ 2⁻¹⁴), so
/// ```
/// |x_i − x̂_i| ≤ d/2 + 127·|d − d₁₆| ≤ d·(1/2 + 127·2⁻¹¹) ≈ 0.562·d
/// ```
/// (plus a few Float ulps of x_i from forming x_i·(1/d)). Non-finite inputs do not trap; their codes are unspecified.
extension Quantize {
    static func q8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, _ blocks: Int) {
        for b in 0..<blocks {
            let v = x + b * 32, p = out + b * 34
            var amax: Float = 0
            for i in 0..<32 { amax = max(amax, abs(v[i])) }
            let d = amax / 127
            let inverse: Float = d != 0 ? 1 / d : 0
            store(HalfPrecision.f16Bits(d), p, 0)
            for i in 0..<32 {
                let r = (v[i] * inverse).rounded()   // .toNearestOrAwayFromZero, C's roundf
                // The clamp only matters for non-finite inputs (NaN compares false: code 0).
                let q: Int8 = r >= 127 ? 127 : r <= -127 ? -127 : r == r ? Int8(r) : 0
                p.storeBytes(of: q, toByteOffset: 2 + i, as: Int8.self)
            }
        }
    }
}
