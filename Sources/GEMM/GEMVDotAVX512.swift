#if HOST_AVX512F
import _Builtin_intrinsics.intel

/// ``gemvDot(_:k:x:w:ld:outputs:y:yStride:alpha:beta:)`` for Float on an AVX-512 build target:
///
///     y[j] ← α·Σ_{p<k} W[j, p]·x[p] + β·y[j],   W(j, p) = w[j·ld + p]
///
/// in 512-bit vectors, four rows sharing each load of x and two accumulators per row, and the last k mod 32 columns
/// of a row in masked loads (`vmovups` with a lane mask, the lanes past k read as zero and never touched in memory)
/// instead of one scalar FMA per column. That tail matters for the factors of a compressed model: a factor U has
/// k = r inputs (r = 251, 335, … for SmolLM2's ratios), and a scalar tail of up to 31 columns per row costs as much as
/// a quarter of such a row's vector work. The sum is the same dot product in another association order.
@inline(never)
func gemvDotFloat_avx512(k: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, ld: Int, outputs: Range<Int>,
                         y: UnsafeMutablePointer<Float>, yStride: Int, alpha: Float, beta: Float) {
    typealias V = SIMD16<Float>
    let whole = k / 32 * 32
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    /// Lanes 0..<n of p (n ≤ 16), the others zero.
    @inline(__always) func loadFirst(_ p: UnsafePointer<Float>, _ n: Int) -> V {
        _mm512_maskz_loadu_ps(__mmask16(truncatingIfNeeded: (1 &<< n) &- 1), p)
    }
    @inline(__always) func store(_ j: Int, _ sum: Float) {
        let yj = y + j * yStride
        yj.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * yj.pointee
    }
    // The tail's x, zero past k: columns whole..<k in at most two vectors.
    let tailCount = k - whole
    let xt0 = tailCount > 0 ? loadFirst(x + whole, Swift.min(16, tailCount)) : V()
    let xt1 = tailCount > 16 ? loadFirst(x + whole + 16, tailCount - 16) : V()
    /// acc + the tail of row r against x's tail.
    @inline(__always) func tail(_ r: UnsafePointer<Float>, _ acc: V) -> V {
        guard tailCount > 0 else { return acc }
        var a = acc.addingProduct(loadFirst(r + whole, Swift.min(16, tailCount)), xt0)
        if tailCount > 16 { a = a.addingProduct(loadFirst(r + whole + 16, tailCount - 16), xt1) }
        return a
    }
    var j = outputs.lowerBound
    while j + 4 <= outputs.upperBound {
        let r0 = w + j * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld
        var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
        var p = 0
        while p < whole {
            let x0 = load(x + p), x1 = load(x + p + 16)
            a00 = a00.addingProduct(load(r0 + p), x0); a01 = a01.addingProduct(load(r0 + p + 16), x1)
            a10 = a10.addingProduct(load(r1 + p), x0); a11 = a11.addingProduct(load(r1 + p + 16), x1)
            a20 = a20.addingProduct(load(r2 + p), x0); a21 = a21.addingProduct(load(r2 + p + 16), x1)
            a30 = a30.addingProduct(load(r3 + p), x0); a31 = a31.addingProduct(load(r3 + p + 16), x1)
            p += 32
        }
        store(j, horizontalSum(tail(r0, a00) + a01)); store(j + 1, horizontalSum(tail(r1, a10) + a11))
        store(j + 2, horizontalSum(tail(r2, a20) + a21)); store(j + 3, horizontalSum(tail(r3, a30) + a31))
        j += 4
    }
    while j < outputs.upperBound {
        let r = w + j * ld
        var a0 = V(), a1 = V()
        var p = 0
        while p < whole {
            a0 = a0.addingProduct(load(r + p), load(x + p)); a1 = a1.addingProduct(load(r + p + 16), load(x + p + 16))
            p += 32
        }
        store(j, horizontalSum(tail(r, a0) + a1))
        j += 1
    }
}
#endif
