import LinearAlgebraCore

/// y[j] ← Σₚ W(j, p)·x[p] + β·y[j] for the rows j of a ``HalfMatrix``: the reference, one widened weight at a time.
func halfGEMV_ref(_ w: HalfMatrix, x: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                  beta: Float) {
    for j in rows {
        var s: Float = 0
        for p in 0..<w.cols { s += w.float(w.bits[j * w.cols + p]) * x[p] }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// Values of x per step of the SIMD product: 32 weights are one 16-lane load of packed pairs.
let halfStep = 32

/// x as the SIMD product reads it: for each step of 32 inputs, the even ones then the odd ones,
///
///     xd[32c + i] = x[32c + 2i],   xd[32c + 16 + i] = x[32c + 2i + 1]     (i < 16, whole steps only)
///
/// so that the low and high halves of 16 packed pairs meet 16 consecutive values each.
func halfDeinterleavedInput(cols: Int, x: UnsafePointer<Float>, into xd: UnsafeMutablePointer<Float>) {
    let whole = cols / halfStep * halfStep
    for c in stride(from: 0, to: whole, by: halfStep) {
        for i in 0..<16 {
            xd[c + i] = x[c + 2 * i]
            xd[c + 16 + i] = x[c + 2 * i + 1]
        }
    }
}

/// Whether ``halfGEMV(_:x:deinterleaved:rows:y:beta:)`` reads the deinterleaved x for this format: f16 on an AVX-512
/// build target converts its halves in x's own order, so the caller need not lay x out again.
func halfGEMVReadsDeinterleavedInput(_ format: HalfMatrix.Format) -> Bool {
    #if HOST_AVX512F && HOST_AVX512BW
    return format == .bf16
    #else
    return true
    #endif
}

/// The same product, SIMD, on x deinterleaved by ``halfDeinterleavedInput(cols:x:into:)`` (`xd`) and plain (`x`,
/// for the tail): four rows at a time share each load of x; each row's 32 weights are one 64-byte load, widened
/// in registers by bit operations (``FloatBits``), so the weights cross memory at two bytes. f16 on an AVX-512
/// build target widens with the hardware conversion instead (``halfGEMV_f16c(_:cols:x:rows:y:beta:)``), bf16 by a
/// 64-byte load split by bit operations and a masked tail (``halfGEMV_bf16(_:cols:x:deinterleaved:rows:y:beta:)``).
@inline(never)
func halfGEMV(_ m: HalfMatrix, x: UnsafePointer<Float>, deinterleaved xd: UnsafePointer<Float>, rows: Range<Int>,
              y: UnsafeMutablePointer<Float>, beta: Float) {
    m.bits.withUnsafeBufferPointer { b in
        switch m.format {
        case .f16:
            #if HOST_AVX512F && HOST_AVX512BW
            halfGEMV_f16c(b.baseAddress!, cols: m.cols, x: x, rows: rows, y: y, beta: beta)
            #else
            halfGEMVKernel(b.baseAddress!, cols: m.cols, x: x, xd: xd, rows: rows, y: y, beta: beta,
                           widen: FloatBits.halves, scalar: { Float(Float16(bitPattern: $0)) })
            #endif
        case .bf16:
            #if HOST_AVX512F && HOST_AVX512BW
            halfGEMV_bf16(b.baseAddress!, cols: m.cols, x: x, deinterleaved: xd, rows: rows, y: y, beta: beta)
            #else
            halfGEMVKernel(b.baseAddress!, cols: m.cols, x: x, xd: xd, rows: rows, y: y, beta: beta,
                           widen: FloatBits.bfloatHalves, scalar: { Float(bitPattern: UInt32($0) << 16) })
            #endif
        }
    }
}

@inline(__always)
func halfGEMVKernel(_ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>, xd: UnsafePointer<Float>,
                    rows: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float,
                    widen: (SIMD16<UInt32>) -> (SIMD16<Float>, SIMD16<Float>), scalar: (UInt16) -> Float) {
    typealias V = SIMD16<Float>
    let whole = k / halfStep * halfStep
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(xd + p).loadUnaligned(as: V.self) }
    @inline(__always) func pairs(_ r: UnsafePointer<UInt16>, _ p: Int) -> (V, V) {
        widen(UnsafeRawPointer(r + p).loadUnaligned(as: SIMD16<UInt32>.self))
    }
    @inline(__always) func tail(_ r: UnsafePointer<UInt16>) -> Float {
        var s: Float = 0
        for p in whole..<k { s += scalar(r[p]) * x[p] }
        return s
    }
    var j = rows.lowerBound
    while j + 4 <= rows.upperBound {
        let r0 = w + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var p = 0
        while p < whole {
            let xe = loadX(p), xo = loadX(p + 16)
            let (e0, o0) = pairs(r0, p), (e1, o1) = pairs(r1, p), (e2, o2) = pairs(r2, p), (e3, o3) = pairs(r3, p)
            a0 = a0.addingProduct(e0, xe).addingProduct(o0, xo)
            a1 = a1.addingProduct(e1, xe).addingProduct(o1, xo)
            a2 = a2.addingProduct(e2, xe).addingProduct(o2, xo)
            a3 = a3.addingProduct(e3, xe).addingProduct(o3, xo)
            p += halfStep
        }
        store(j, horizontalSum(a0) + tail(r0)); store(j + 1, horizontalSum(a1) + tail(r1))
        store(j + 2, horizontalSum(a2) + tail(r2)); store(j + 3, horizontalSum(a3) + tail(r3))
        j += 4
    }
    while j < rows.upperBound {
        let r = w + j * k
        var a = V()
        var p = 0
        while p < whole {
            let (e, o) = pairs(r, p)
            a = a.addingProduct(e, loadX(p)).addingProduct(o, loadX(p + 16))
            p += halfStep
        }
        store(j, horizontalSum(a) + tail(r))
        j += 1
    }
}
