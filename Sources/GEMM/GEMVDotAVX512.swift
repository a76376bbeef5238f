#if HOST_AVX512F
import _Builtin_intrinsics.intel

/// The row loop of the one-token products on an AVX-512 build target, for weights of any element type E widened
/// exactly to Floats in registers:
///
///     y_j = Σ_{p<k} widen(W[j, p])·x_p,   W(j, p) = w[j·ld + p],   written by store(j, y_j)
///
/// Steps of 32 columns: `widen32` turns a row's 32 elements at p into two vectors, met by `xMain`'s two vectors at p
/// (x itself, or x reordered as the widening needs). Four rows share each load of x; two accumulators per row hide
/// the FMA latency. The last k mod 32 columns are read 16 at a time by `widenFirst(p, mask)` (a masked load: lanes
/// past k zero and not touched in memory) against plain x, instead of one scalar FMA per column. That tail matters
/// for the factors of a compressed model: a factor U has k = r inputs (r = 115…335 for SmolLM2's ratios), and a scalar
/// tail of up to 31 columns per row cost as much as a quarter of such a row's vector work.
@inline(__always)
func dotRows_avx512<E>(_ w: UnsafePointer<E>, ld: Int, k: Int, x: UnsafePointer<Float>, xMain: UnsafePointer<Float>,
                       rows: Range<Int>, widen32: (UnsafePointer<E>) -> (SIMD16<Float>, SIMD16<Float>),
                       widenFirst: (UnsafePointer<E>, __mmask16) -> SIMD16<Float>, store: (Int, Float) -> Void) {
    typealias V = SIMD16<Float>
    let whole = k / 32 * 32
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(xMain + p).loadUnaligned(as: V.self) }
    @inline(__always) func mask(_ n: Int) -> __mmask16 { __mmask16(truncatingIfNeeded: (1 &<< n) &- 1) }
    // The tail: columns whole..<k, at most two masked vectors; x's lanes past k are zero.
    let tailCount = k - whole
    let n0 = Swift.min(16, tailCount), n1 = Swift.max(0, tailCount - 16)
    let xt0: V = n0 > 0 ? _mm512_maskz_loadu_ps(mask(n0), x + whole) : V()
    let xt1: V = n1 > 0 ? _mm512_maskz_loadu_ps(mask(n1), x + whole + 16) : V()
    @inline(__always) func tail(_ r: UnsafePointer<E>, _ acc: V) -> V {
        guard tailCount > 0 else { return acc }
        var a = acc.addingProduct(widenFirst(r + whole, mask(n0)), xt0)
        if n1 > 0 { a = a.addingProduct(widenFirst(r + whole + 16, mask(n1)), xt1) }
        return a
    }
    var j = rows.lowerBound
    while j + 4 <= rows.upperBound {
        let r0 = w + j * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld
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
        let r = w + j * ld
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

/// ``gemvDot(_:k:x:w:ld:outputs:y:yStride:alpha:beta:)`` for Float on an AVX-512 build target,
///
///     y[j] ← α·Σ_{p<k} W[j, p]·x[p] + β·y[j],
///
/// by ``dotRows_avx512(_:ld:k:x:xMain:rows:widen32:widenFirst:store:)`` (plain 512-bit loads, masked `vmovups` for the
/// tail): the same dot product as the generic kernel in another association order.
@inline(never)
func gemvDotFloat_avx512(k: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, ld: Int, outputs: Range<Int>,
                         y: UnsafeMutablePointer<Float>, yStride: Int, alpha: Float, beta: Float) {
    dotRows_avx512(w, ld: ld, k: k, x: x, xMain: x, rows: outputs,
                   widen32: { p in (UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self),
                                    UnsafeRawPointer(p + 16).loadUnaligned(as: SIMD16<Float>.self)) },
                   widenFirst: { p, m in _mm512_maskz_loadu_ps(m, p) },
                   store: { j, sum in
                       let yj = y + j * yStride
                       yj.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * yj.pointee
                   })
}
#endif
