#if HOST_AVX512F
import _Builtin_intrinsics.intel
#endif

/// The input of a one-token product rounded to 8-bit integers in blocks of 32 values, as the integer-dot GEMV
/// kernels of the integer storages (q8, int4) read it — the activation grid llama.cpp uses for its Q8_0 dot products:
///
///     d_b = max_{p ∈ b} |x_p| / 127,   q_p = round(x_p · (1/d_b)) ∈ [−127, 127]   (ties to even),
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
        #if HOST_AVX512F
        roundAVX512(x, count: count, codes: codes, scales: scales)
        #else
        roundScalar(x, count: count, codes: codes, scales: scales)
        #endif
    }

    /// The reference: one value at a time.
    static func roundScalar(_ x: UnsafePointer<Float>, count: Int, codes: UnsafeMutablePointer<Int8>,
                            scales: UnsafeMutablePointer<Float>) {
        for b in 0..<count / blockSize {
            let xb = x + b * blockSize
            var amax: Float = 0
            for p in 0..<blockSize { amax = Swift.max(amax, abs(xb[p])) }
            let d = amax / 127, inverse: Float = d != 0 ? 1 / d : 0
            scales[b] = d
            for p in 0..<blockSize {
                let q = (xb[p] * inverse).rounded(.toNearestOrEven)
                codes[b * blockSize + p] = Int8(Swift.max(-127, Swift.min(127, q)))
            }
        }
    }

    #if HOST_AVX512F
    /// The same, 32 values per step: |x| maxima as vectors, `vcvtps2dq` (ties to even, the default rounding mode)
    /// and `vpmovsdb` (saturating to 8 bits).
    static func roundAVX512(_ x: UnsafePointer<Float>, count: Int, codes: UnsafeMutablePointer<Int8>,
                            scales: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let signMask = SIMD16<UInt32>(repeating: 0x7FFF_FFFF)
        for b in 0..<count / blockSize {
            let x0 = UnsafeRawPointer(x + 32 * b).loadUnaligned(as: V.self)
            let x1 = UnsafeRawPointer(x + 32 * b + 16).loadUnaligned(as: V.self)
            let a0 = unsafeBitCast(unsafeBitCast(x0, to: SIMD16<UInt32>.self) & signMask, to: V.self)
            let a1 = unsafeBitCast(unsafeBitCast(x1, to: SIMD16<UInt32>.self) & signMask, to: V.self)
            let amax = a0.replacing(with: a1, where: a1 .> a0).max()
            let d = amax / 127, inverse: Float = d != 0 ? 1 / d : 0
            scales[b] = d
            let v = V(repeating: inverse)
            let q0 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(x0 * v)), q1 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(x1 * v))
            UnsafeMutableRawPointer(codes + 32 * b).storeBytes(of: q0, as: __m128i.self)
            UnsafeMutableRawPointer(codes + 32 * b + 16).storeBytes(of: q1, as: __m128i.self)
        }
    }
    #endif
}
