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

/// A 16-lane widening of 16-bit floats to Float.
protocol HalfWidening {
    static func widen(_ p: UnsafePointer<UInt16>) -> SIMD16<Float>
    static func widen(_ bits: UInt16) -> Float
}

enum F16Widening: HalfWidening {
    @inline(__always) static func widen(_ p: UnsafePointer<UInt16>) -> SIMD16<Float> {
        SIMD16<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float16>.self))
    }
    @inline(__always) static func widen(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
}

enum BF16Widening: HalfWidening {
    @inline(__always) static func widen(_ p: UnsafePointer<UInt16>) -> SIMD16<Float> {
        let h = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt16>.self)
        return unsafeBitCast(SIMD16<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD16<Float>.self)
    }
    @inline(__always) static func widen(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}

/// The same product, SIMD: four rows at a time share each 16-value load of x; each row's 16 weights are widened in
/// registers (vcvtph2ps for f16, a shift for bf16) and multiplied in, so the weights cross memory at two bytes.
func halfGEMV(_ w: HalfMatrix, x: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float) {
    w.bits.withUnsafeBufferPointer { b in
        switch w.format {
        case .f16: halfGEMVKernel(F16Widening.self, b.baseAddress!, cols: w.cols, x: x, rows: rows, y: y, beta: beta)
        case .bf16: halfGEMVKernel(BF16Widening.self, b.baseAddress!, cols: w.cols, x: x, rows: rows, y: y, beta: beta)
        }
    }
}

@inline(never)
func halfGEMVKernel<H: HalfWidening>(_: H.Type, _ w: UnsafePointer<UInt16>, cols k: Int, x: UnsafePointer<Float>,
                                     rows: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    let kVec = k / 16 * 16
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(x + p).loadUnaligned(as: V.self) }
    var j = rows.lowerBound
    while j + 4 <= rows.upperBound {
        let r0 = w + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var p = 0
        while p < kVec {
            let xv = loadX(p)
            a0 = a0.addingProduct(H.widen(r0 + p), xv)
            a1 = a1.addingProduct(H.widen(r1 + p), xv)
            a2 = a2.addingProduct(H.widen(r2 + p), xv)
            a3 = a3.addingProduct(H.widen(r3 + p), xv)
            p += 16
        }
        var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
        while p < k {
            let xp = x[p]
            s0 += H.widen(r0[p]) * xp; s1 += H.widen(r1[p]) * xp; s2 += H.widen(r2[p]) * xp; s3 += H.widen(r3[p]) * xp
            p += 1
        }
        store(j, s0); store(j + 1, s1); store(j + 2, s2); store(j + 3, s3)
        j += 4
    }
    while j < rows.upperBound {
        let r = w + j * k
        var a = V()
        var p = 0
        while p < kVec { a = a.addingProduct(H.widen(r + p), loadX(p)); p += 16 }
        var s = a.sum()
        while p < k { s += H.widen(r[p]) * x[p]; p += 1 }
        store(j, s)
        j += 1
    }
}
