import LinearAlgebraCore

/// y[j] ← Σ_b d_jb·Σ_{p ∈ b} q_jp·x[p] + β·y[j] for the rows j of a ``BlockQ8Matrix``: the reference, one weight at
/// a time (x has `cols` values).
func blockQ8GEMV_ref(_ w: BlockQ8Matrix, x: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                     beta: Float) {
    let bs = BlockQ8Matrix.blockSize, stride = w.blocksPerRow * bs
    for j in rows {
        var s: Float = 0
        for b in 0..<w.blocksPerRow {
            var t: Float = 0
            for p in b * bs..<Swift.min(w.cols, (b + 1) * bs) { t += Float(w.codes[j * stride + p]) * x[p] }
            s += Float(Float16(bitPattern: w.scales[j * w.blocksPerRow + b])) * t
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// The same product, SIMD. `x` must hold blocksPerRow·32 values (zero past `cols`, ``blockQ8PaddedInput``): every
/// block is then whole. Four rows share each load of x; a block's 32 codes are widened to two 16-lane Float
/// vectors, multiplied into a block sum, and the block sum is scaled by d into the row's accumulator.
@inline(never)
func blockQ8GEMV(_ w: BlockQ8Matrix, paddedX x: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                 beta: Float) {
    typealias V = SIMD16<Float>
    let bs = BlockQ8Matrix.blockSize, blocks = w.blocksPerRow, stride = blocks * bs
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func codes(_ p: UnsafePointer<Int8>) -> V {
        V(SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int8>.self)))
    }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(x + p).loadUnaligned(as: V.self) }
    w.codes.withUnsafeBufferPointer { cb in
        w.scales.withUnsafeBufferPointer { sb in
            let q = cb.baseAddress!, d = sb.baseAddress!
            @inline(__always) func scale(_ j: Int, _ b: Int) -> Float { Float(Float16(bitPattern: d[j * blocks + b])) }
            var j = rows.lowerBound
            while j + 4 <= rows.upperBound {
                let q0 = q + j * stride, q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                for b in 0..<blocks {
                    let p = b * bs
                    let xl = loadX(p), xh = loadX(p + 16)
                    a0 = a0.addingProduct(codes(q0 + p) * xl + codes(q0 + p + 16) * xh, scale(j, b))
                    a1 = a1.addingProduct(codes(q1 + p) * xl + codes(q1 + p + 16) * xh, scale(j + 1, b))
                    a2 = a2.addingProduct(codes(q2 + p) * xl + codes(q2 + p + 16) * xh, scale(j + 2, b))
                    a3 = a3.addingProduct(codes(q3 + p) * xl + codes(q3 + p + 16) * xh, scale(j + 3, b))
                }
                store(j, a0.sum()); store(j + 1, a1.sum()); store(j + 2, a2.sum()); store(j + 3, a3.sum())
                j += 4
            }
            while j < rows.upperBound {
                let r = q + j * stride
                var a = V()
                for b in 0..<blocks {
                    let p = b * bs
                    a = a.addingProduct(codes(r + p) * loadX(p) + codes(r + p + 16) * loadX(p + 16), scale(j, b))
                }
                store(j, a.sum())
                j += 1
            }
        }
    }
}

/// x copied into `out` (blocksPerRow·32 values) with zeros past `cols`.
func blockQ8PaddedInput(_ w: BlockQ8Matrix, x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    let n = w.blocksPerRow * BlockQ8Matrix.blockSize
    out.update(from: x, count: w.cols)
    (out + w.cols).update(repeating: 0, count: n - w.cols)
}
