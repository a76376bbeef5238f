#if HOST_AVX512F
import _Builtin_intrinsics.intel

/// The one-token product of an f16 ``HalfMatrix`` with the hardware conversion: each 16 halves of a row are one
/// 32-byte load and one `vcvtph2ps` (exact: every half is a Float), then an FMA with x in its own order —
///
///     y_j = Σ_p widen(h_jp)·x_p + β·y_j
///
/// three instructions per 16 weights where the bit-operation widening of ``halfGEMV(_:x:deinterleaved:rows:y:beta:)``
/// needs about five. Four rows share each load of x; two vectors per row hide the FMA latency.
@inline(never)
func halfGEMV_f16c(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>, rows: Range<Int>,
                   y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    let whole = k / 32 * 32
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(x + p).loadUnaligned(as: V.self) }
    @inline(__always) func widen(_ r: UnsafePointer<UInt16>, _ p: Int) -> V {
        _mm512_cvtph_ps(UnsafeRawPointer(r + p).loadUnaligned(as: __m256i.self))
    }
    @inline(__always) func tail(_ r: UnsafePointer<UInt16>) -> Float {
        var s: Float = 0
        for p in whole..<k { s += Float(Float16(bitPattern: r[p])) * x[p] }
        return s
    }
    var j = rows.lowerBound
    while j + 4 <= rows.upperBound {
        let r0 = w + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k
        var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
        var p = 0
        while p < whole {
            let x0 = loadX(p), x1 = loadX(p + 16)
            a00 = a00.addingProduct(widen(r0, p), x0); a01 = a01.addingProduct(widen(r0, p + 16), x1)
            a10 = a10.addingProduct(widen(r1, p), x0); a11 = a11.addingProduct(widen(r1, p + 16), x1)
            a20 = a20.addingProduct(widen(r2, p), x0); a21 = a21.addingProduct(widen(r2, p + 16), x1)
            a30 = a30.addingProduct(widen(r3, p), x0); a31 = a31.addingProduct(widen(r3, p + 16), x1)
            p += 32
        }
        store(j, horizontalSum(a00 + a01) + tail(r0)); store(j + 1, horizontalSum(a10 + a11) + tail(r1))
        store(j + 2, horizontalSum(a20 + a21) + tail(r2)); store(j + 3, horizontalSum(a30 + a31) + tail(r3))
        j += 4
    }
    while j < rows.upperBound {
        let r = w + j * k
        var a0 = V(), a1 = V()
        var p = 0
        while p < whole {
            a0 = a0.addingProduct(widen(r, p), loadX(p)); a1 = a1.addingProduct(widen(r, p + 16), loadX(p + 16))
            p += 32
        }
        store(j, horizontalSum(a0 + a1) + tail(r))
        j += 1
    }
}
#endif
