#if HOST_AVX512F && HOST_AVX512BW
import _Builtin_intrinsics.intel

/// The one-token product of a ``HalfMatrix`` on an AVX-512 build target, every weight widened exactly to a Float in
/// registers and met by x in an FMA:
///
///     y_j = Σ_p widen(h_jp)·x_p + β·y_j
///
/// Steps of 32 columns: `widen32` turns a row's 32 halves into two vectors, met by `xMain`'s two vectors at that step.
/// f16 (``halfGEMV_f16c(_:cols:x:rows:y:beta:)``): two 32-byte loads and `vcvtph2ps`, `xMain` = x. bf16
/// (``halfGEMV_bf16(_:cols:x:deinterleaved:rows:y:beta:)``): one 64-byte load split by bit operations into the even
/// and odd columns (``FloatBits/bfloatHalves(_:)``, two instructions per 32 weights), `xMain` = x deinterleaved
/// (``halfDeinterleavedInput(cols:x:into:)``). Four rows share each load of x; two vectors per row hide the FMA
/// latency. The last k mod 32 columns are read with masked loads (lanes past k zero, not touched in memory) and
/// widened 16 at a time by `widen16`, against plain x, instead of one scalar conversion per column: a factor U of a
/// compressed model has k = r inputs, and that scalar tail cost as much as a quarter of such a row.
@inline(__always)
func halfConvertGEMV(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>, xMain: UnsafePointer<Float>,
                     rows: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float,
                     widen32: (UnsafePointer<UInt16>) -> (SIMD16<Float>, SIMD16<Float>),
                     widen16: (__m256i) -> SIMD16<Float>) {
    typealias V = SIMD16<Float>
    let whole = k / 32 * 32
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(xMain + p).loadUnaligned(as: V.self) }
    @inline(__always) func mask(_ n: Int) -> __mmask16 { __mmask16(truncatingIfNeeded: (1 &<< n) &- 1) }
    // The tail: columns whole..<k, at most two masked vectors; x's lanes past k are zero.
    let tailCount = k - whole
    let n0 = Swift.min(16, tailCount), n1 = Swift.max(0, tailCount - 16)
    let xt0: V = n0 > 0 ? _mm512_maskz_loadu_ps(mask(n0), x + whole) : V()
    let xt1: V = n1 > 0 ? _mm512_maskz_loadu_ps(mask(n1), x + whole + 16) : V()
    @inline(__always) func tail(_ r: UnsafePointer<UInt16>, _ acc: V) -> V {
        guard tailCount > 0 else { return acc }
        var a = acc.addingProduct(widen16(_mm256_maskz_loadu_epi16(mask(n0), r + whole)), xt0)
        if n1 > 0 { a = a.addingProduct(widen16(_mm256_maskz_loadu_epi16(mask(n1), r + whole + 16)), xt1) }
        return a
    }
    var j = rows.lowerBound
    while j + 4 <= rows.upperBound {
        let r0 = w + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k
        var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
        var p = 0
        while p < whole {
            let x0 = loadX(p), x1 = loadX(p + 16)
            let (w00, w01) = widen32(r0 + p), (w10, w11) = widen32(r1 + p)
            let (w20, w21) = widen32(r2 + p), (w30, w31) = widen32(r3 + p)
            a00 = a00.addingProduct(w00, x0); a01 = a01.addingProduct(w01, x1)
            a10 = a10.addingProduct(w10, x0); a11 = a11.addingProduct(w11, x1)
            a20 = a20.addingProduct(w20, x0); a21 = a21.addingProduct(w21, x1)
            a30 = a30.addingProduct(w30, x0); a31 = a31.addingProduct(w31, x1)
            p += 32
        }
        store(j, horizontalSum(tail(r0, a00) + a01)); store(j + 1, horizontalSum(tail(r1, a10) + a11))
        store(j + 2, horizontalSum(tail(r2, a20) + a21)); store(j + 3, horizontalSum(tail(r3, a30) + a31))
        j += 4
    }
    while j < rows.upperBound {
        let r = w + j * k
        var a0 = V(), a1 = V()
        var p = 0
        while p < whole {
            let (w0, w1) = widen32(r + p)
            a0 = a0.addingProduct(w0, loadX(p)); a1 = a1.addingProduct(w1, loadX(p + 16))
            p += 32
        }
        store(j, horizontalSum(tail(r, a0) + a1))
        j += 1
    }
}

/// f16 rows widened by `vcvtph2ps` (see ``halfConvertGEMV(_:cols:x:xMain:rows:y:beta:widen32:widen16:)``).
@inline(never)
func halfGEMV_f16c(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>, rows: Range<Int>,
                   y: UnsafeMutablePointer<Float>, beta: Float) {
    @inline(__always) func widen(_ h: __m256i) -> SIMD16<Float> { _mm512_cvtph_ps(h) }
    halfConvertGEMV(w, cols: k, x: x, xMain: x, rows: rows, y: y, beta: beta,
                    widen32: { r in (widen(UnsafeRawPointer(r).loadUnaligned(as: __m256i.self)),
                                     widen(UnsafeRawPointer(r + 16).loadUnaligned(as: __m256i.self))) },
                    widen16: widen)
}

/// bf16 rows: 32 halves by bit operations against the deinterleaved x, the tail by zero extension and a 16-bit
/// shift (the bf16 bits are a Float's high half) against x (see
/// ``halfConvertGEMV(_:cols:x:xMain:rows:y:beta:widen32:widen16:)``).
@inline(never)
func halfGEMV_bf16(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>,
                   deinterleaved xd: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                   beta: Float) {
    halfConvertGEMV(w, cols: k, x: x, xMain: xd, rows: rows, y: y, beta: beta,
                    widen32: { r in FloatBits.bfloatHalves(UnsafeRawPointer(r).loadUnaligned(as: SIMD16<UInt32>.self)) },
                    widen16: { h in
                        unsafeBitCast(unsafeBitCast(_mm512_cvtepu16_epi32(h), to: SIMD16<UInt32>.self) &<< 16,
                                      to: SIMD16<Float>.self)
                    })
}
#endif
