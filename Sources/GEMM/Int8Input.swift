/// The input of a one-token product rounded to 8-bit integers in blocks of 32 values, as the integer-dot GEMV
/// kernels of the integer storages (q8, int4) read it — the activation grid llama.cpp uses for its Q8_0 dot products:
///
///     d_b = max_{p ∈ b} |x_p| / 127,   q_p = round(x_p / d_b) ∈ [−127, 127]   (ties away from zero),
///     x̂_p = d_b · q_p
///
/// (d_b = 0 and q = 0 for an all-zero block). Then W x̂ is exact integer arithmetic per block, Σ_p w_p q_p, scaled by
/// the weight's and the input's block scales. |x̂_p − x_p| ≤ d_b / 2, so the product differs from W x by at most
/// Σ_b (d_b / 2)·Σ_{p∈b} |w_p| per output, about 2⁻⁸ relative: below the 4- and 8-bit weights' own rounding.
struct Int8Input {
    static let blockSize = 32

    /// Rounds `count` values of x (a multiple of 32; callers pad with zeros) into `codes` (count values) and
    /// `scales` (count / 32 block scales d_b).
    static func round(_ x: UnsafePointer<Float>, count: Int, codes: UnsafeMutablePointer<Int8>,
                      scales: UnsafeMutablePointer<Float>) {
        precondition(count % blockSize == 0, "Int8Input: \(count) values is not a whole number of blocks")
        for b in 0..<count / blockSize {
            let xb = x + b * blockSize
            var amax: Float = 0
            for p in 0..<blockSize { amax = Swift.max(amax, abs(xb[p])) }
            let d = amax / 127, inverse: Float = d != 0 ? 1 / d : 0
            scales[b] = d
            for p in 0..<blockSize {
                let q = (xb[p] * inverse).rounded(.toNearestOrAwayFromZero)
                codes[b * blockSize + p] = Int8(Swift.max(-127, Swift.min(127, q)))
            }
        }
    }
}
