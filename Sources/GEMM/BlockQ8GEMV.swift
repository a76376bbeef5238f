import LinearAlgebraCore

/// y[j] ← Σ_b d_jb·Σ_{p ∈ b} q_jp·x[p] + β·y[j] for the rows j of a ``BlockQ8Matrix``: the reference, one weight at
/// a time (x has `cols` values).
func blockQ8GEMV_ref(_ w: BlockQ8Matrix, x: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                     beta: Float) {
    let bs = BlockQ8Matrix.blockSize
    for j in rows {
        var s: Float = 0
        for b in 0..<(w.cols + bs - 1) / bs {
            var t: Float = 0
            for p in b * bs..<Swift.min(w.cols, (b + 1) * bs) { t += Float(w.code(j, p)) * x[p] }
            s += w.scale(j, block: b) * t
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// x as the SIMD product reads it: per step of 64 inputs (two blocks, 16 words of four codes), byte k of word w
/// meets lane w of the k-th 16 values,
///
///     xk[64c + 16k + w] = x[64c + 4w + k]     (0 past cols)
func blockQ8Input(_ m: BlockQ8Matrix, x: UnsafePointer<Float>, into xk: UnsafeMutablePointer<Float>) {
    let padded = m.blocksPerRow * BlockQ8Matrix.blockSize
    for p in 0..<padded {
        let c = p / 64, r = p % 64
        xk[64 * c + 16 * (r % 4) + r / 4] = p < m.cols ? x[p] : 0
    }
}

/// The same product, SIMD, on x prepared by ``blockQ8Input(_:x:into:)``:
///
///     y_j = Σ_c ⟨D_jc, Σ_k (byte_k(words_jc) − 128) ⊙ xk[64c + 16k …]⟩,   D_jc = (d_j,2c ×8, d_j,2c+1 ×8)
///
/// Per 64 weights a row costs one 64-byte load and four shift-mask-or-subtract-FMA steps (the codes become Floats
/// by ``FloatBits``); four rows share the loads of xk.
@inline(never)
func blockQ8GEMV(_ m: BlockQ8Matrix, prepared xk: UnsafePointer<Float>, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                 beta: Float) {
    typealias V = SIMD16<Float>
    typealias W = SIMD16<UInt32>
    let steps = m.blocksPerRow / 2, stride = m.blocksPerRow * BlockQ8Matrix.blockSize
    let mask = W(repeating: 0xFF), offset = V(repeating: FloatBits.magicValue + 128)
    @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
    @inline(__always) func loadX(_ p: Int) -> V { UnsafeRawPointer(xk + p).loadUnaligned(as: V.self) }
    m.codes.withUnsafeBufferPointer { cb in
        m.scales.withUnsafeBufferPointer { sb in
            let q = cb.baseAddress!, d = sb.baseAddress!
            @inline(__always) func load(_ j: Int, _ c: Int) -> W {
                UnsafeRawPointer(q + j * stride + 64 * c).loadUnaligned(as: W.self)
            }
            @inline(__always) func scales(_ j: Int, _ c: Int) -> V {
                let s = d + j * m.blocksPerRow + 2 * c
                return V(lowHalf: SIMD8(repeating: Float(Float16(bitPattern: s[0]))),
                         highHalf: SIMD8(repeating: Float(Float16(bitPattern: s[1]))))
            }
            @inline(__always) func codes(_ w: W, _ k: UInt32) -> V { FloatBits.float((w &>> (8 * k)) & mask, minus: offset) }
            var j = rows.lowerBound
            while j + 4 <= rows.upperBound {
                var t0 = V(), t1 = V(), t2 = V(), t3 = V()
                for c in 0..<steps {
                    let w0 = load(j, c), w1 = load(j + 1, c), w2 = load(j + 2, c), w3 = load(j + 3, c)
                    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                    for k in 0..<4 {
                        let xv = loadX(64 * c + 16 * k), s = UInt32(k)
                        a0 = a0.addingProduct(codes(w0, s), xv)
                        a1 = a1.addingProduct(codes(w1, s), xv)
                        a2 = a2.addingProduct(codes(w2, s), xv)
                        a3 = a3.addingProduct(codes(w3, s), xv)
                    }
                    t0 = t0.addingProduct(a0, scales(j, c)); t1 = t1.addingProduct(a1, scales(j + 1, c))
                    t2 = t2.addingProduct(a2, scales(j + 2, c)); t3 = t3.addingProduct(a3, scales(j + 3, c))
                }
                store(j, horizontalSum(t0)); store(j + 1, horizontalSum(t1)); store(j + 2, horizontalSum(t2)); store(j + 3, horizontalSum(t3))
                j += 4
            }
            while j < rows.upperBound {
                var t = V()
                for c in 0..<steps {
                    let w = load(j, c)
                    var a = V()
                    for k in 0..<4 { a = a.addingProduct(codes(w, UInt32(k)), loadX(64 * c + 16 * k)) }
                    t = t.addingProduct(a, scales(j, c))
                }
                store(j, horizontalSum(t))
                j += 1
            }
        }
    }
}
