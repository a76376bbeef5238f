#if HOST_AVX512F && HOST_AVX512BW
import _Builtin_intrinsics.intel

/// The one-token product of a ``HalfMatrix`` on an AVX-512 build target, every weight widened exactly to a Float in
/// registers (`y_j = Σ_p widen(h_jp)·x_p + β·y_j`), by the row loop
/// ``dotRows_avx512(_:ld:k:x:xMain:rows:widen32:widenFirst:store:)``; the tail's halves come from masked 16-bit loads
/// (`vmovdqu16`, AVX-512 BW).
///
/// f16: two 32-byte loads and `vcvtph2ps` per 32 weights, against x.
@inline(never)
func halfGEMV_f16c(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>, rows: Range<Int>,
                   y: UnsafeMutablePointer<Float>, beta: Float) {
    @inline(__always) func widen(_ h: __m256i) -> SIMD16<Float> { _mm512_cvtph_ps(h) }
    dotRows_avx512(w, ld: k, k: k, x: x, xMain: x, rows: rows,
                   widen32: { r in (widen(UnsafeRawPointer(r).loadUnaligned(as: __m256i.self)),
                                    widen(UnsafeRawPointer(r + 16).loadUnaligned(as: __m256i.self))) },
                   widenFirst: { r, m in widen(_mm256_maskz_loadu_epi16(m, r)) },
                   store: { j, s in y[j] = beta == 0 ? s : s + beta * y[j] })
}

/// bf16: one 64-byte load per 32 weights split by bit operations into the even and odd columns
/// (``FloatBits/bfloatHalves(_:)``, two instructions), against x deinterleaved (``halfDeinterleavedInput(cols:x:into:)``);
/// the tail by zero extension and a 16-bit shift (the bf16 bits are a Float's high half) against x.
@inline(never)
func halfGEMV_bf16(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>,
                   deinterleaved xd: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                   beta: Float) {
    dotRows_avx512(w, ld: k, k: k, x: x, xMain: xd, rows: rows,
                   widen32: { r in FloatBits.bfloatHalves(UnsafeRawPointer(r).loadUnaligned(as: SIMD16<UInt32>.self)) },
                   widenFirst: { r, m in
                       let h = _mm256_maskz_loadu_epi16(m, r)
                       return unsafeBitCast(unsafeBitCast(_mm512_cvtepu16_epi32(h), to: SIMD16<UInt32>.self) &<< 16,
                                            to: SIMD16<Float>.self)
                   },
                   store: { j, s in y[j] = beta == 0 ? s : s + beta * y[j] })
}
#endif
