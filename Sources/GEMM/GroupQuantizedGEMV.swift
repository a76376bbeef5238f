import LinearAlgebraCore

/// y[j] ← Σₚ s_jg(p)·(q_jp − z_jg(p))·x[p] + β·y[j] for the rows j of a ``GroupQuantizedMatrix``: the reference, one
/// weight at a time, x in the original input order.
func groupQuantizedGEMV_ref(_ w: GroupQuantizedMatrix, x: UnsafePointer<Float>, rows: Range<Int>,
                            y: UnsafeMutablePointer<Float>, beta: Float) {
    for j in rows {
        var s: Float = 0
        for c in 0..<w.cols {
            let g = c / w.groupSize, p = w.permutation.map { Int($0[c]) } ?? c
            s += w.scales[j * w.groups + g] * Float(w.code(j, storedColumn: c) - Int(w.zeros[j * w.groups + g])) * x[p]
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// Whether ``groupQuantizedGEMV(_:prepared:rows:y:beta:)`` serves this group size: one group per row, groups of a
/// multiple of 128 inputs, or of 64, 32 or 16 (a block's 16 words then span 2, 4 or 8 groups).
func groupQuantizedGEMVSupports(_ w: GroupQuantizedMatrix) -> Bool {
    w.groups == 1 || w.groupSize % 128 == 0 || [64, 32, 16].contains(w.groupSize)
}

/// The input as the SIMD product reads it: `xk` (⌈cols/128⌉·128 values) holds, for block b, lane w of step k,
///
///     xk[128b + 16k + w] = x[perm(128b + 8w + k)]     (0 past cols)
///
/// so that nibble k of the block's 16 words meets 16 consecutive values.
func groupQuantizedInput(_ w: GroupQuantizedMatrix, x: UnsafePointer<Float>, xk: UnsafeMutablePointer<Float>) {
    let padded = w.wordsPerRow * 8
    for c in 0..<padded {
        let b = c / 128, r = c % 128
        xk[128 * b + 16 * (r % 8) + r / 8] = c < w.cols ? x[w.permutation.map { Int($0[c]) } ?? c] : 0
    }
}

/// The product, SIMD, on the input prepared by ``groupQuantizedInput(_:x:xk:)``:
///
///     y_j = Σ_b ⟨S_jb, Σ_k (nibble_k(words_jb) − Z_jb) ⊙ xk[128b + 16k …]⟩
///
/// where S_jb and Z_jb hold each lane's group scale and zero (one group for the whole block unless groups are
/// shorter than 128). The codes become Floats with the zero already subtracted by ``FloatBits`` (a mask, an OR
/// and a subtraction of 2²³ + z), so per 128 weights a row costs one 64-byte load and eight
/// shift-mask-or-subtract-FMA steps; four rows share the loads of xk.
@inline(never)
func groupQuantizedGEMV(_ w: GroupQuantizedMatrix, prepared xk: UnsafePointer<Float>, rows: Range<Int>,
                        y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    typealias W = SIMD16<UInt32>
    let wpr = w.wordsPerRow, blocks = wpr / 16, groups = w.groups, gs = w.groupSize
    let mask = W(repeating: 0xF)
    // Blocks per group when a group covers whole blocks (one group per row: all of them), else 0.
    let blocksPerGroup = groups == 1 ? blocks : (gs % 128 == 0 ? gs / 128 : 0)
    let lanesPerGroup = blocksPerGroup == 0 ? gs / 8 : 16
    w.words.withUnsafeBufferPointer { wb in
        w.scales.withUnsafeBufferPointer { sb in
            w.zeros.withUnsafeBufferPointer { zb in
                let words = wb.baseAddress!, scales = sb.baseAddress!, zeros = zb.baseAddress!
                /// Lane scales and biased zeros (2²³ + z) of row j for block b.
                @inline(__always) func grid(_ j: Int, _ b: Int) -> (V, V) {
                    let s = scales + j * groups, z = zeros + j * groups
                    if blocksPerGroup > 0 {
                        let g = b / blocksPerGroup
                        return (V(repeating: s[g]), V(repeating: FloatBits.magicValue + Float(z[g])))
                    }
                    var sv = V(), zv = V()
                    let first = 128 * b / gs
                    for lane in 0..<16 {
                        let g = Swift.min(groups - 1, first + lane / lanesPerGroup)
                        sv[lane] = s[g]
                        zv[lane] = FloatBits.magicValue + Float(z[g])
                    }
                    return (sv, zv)
                }
                @inline(__always) func loadXK(_ p: Int) -> V { UnsafeRawPointer(xk + p).loadUnaligned(as: V.self) }
                @inline(__always) func loadW(_ j: Int, _ b: Int) -> W {
                    UnsafeRawPointer(words + j * wpr + 16 * b).loadUnaligned(as: W.self)
                }
                @inline(__always) func codes(_ v: W, _ k: Int, _ zero: V) -> V {
                    FloatBits.float((v &>> UInt32(4 * k)) & mask, minus: zero)
                }
                @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
                var j = rows.lowerBound
                while j + 4 <= rows.upperBound {
                    var t0 = V(), t1 = V(), t2 = V(), t3 = V()
                    for b in 0..<blocks {
                        let w0 = loadW(j, b), w1 = loadW(j + 1, b), w2 = loadW(j + 2, b), w3 = loadW(j + 3, b)
                        let (s0, z0) = grid(j, b), (s1, z1) = grid(j + 1, b), (s2, z2) = grid(j + 2, b)
                        let (s3, z3) = grid(j + 3, b)
                        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                        for k in 0..<8 {
                            let xv = loadXK(128 * b + 16 * k)
                            a0 = a0.addingProduct(codes(w0, k, z0), xv)
                            a1 = a1.addingProduct(codes(w1, k, z1), xv)
                            a2 = a2.addingProduct(codes(w2, k, z2), xv)
                            a3 = a3.addingProduct(codes(w3, k, z3), xv)
                        }
                        t0 = t0.addingProduct(a0, s0); t1 = t1.addingProduct(a1, s1)
                        t2 = t2.addingProduct(a2, s2); t3 = t3.addingProduct(a3, s3)
                    }
                    store(j, horizontalSum(t0)); store(j + 1, horizontalSum(t1)); store(j + 2, horizontalSum(t2)); store(j + 3, horizontalSum(t3))
                    j += 4
                }
                while j < rows.upperBound {
                    var t = V()
                    for b in 0..<blocks {
                        let wv = loadW(j, b), (s, z) = grid(j, b)
                        var a = V()
                        for k in 0..<8 { a = a.addingProduct(codes(wv, k, z), loadXK(128 * b + 16 * k)) }
                        t = t.addingProduct(a, s)
                    }
                    store(j, horizontalSum(t))
                    j += 1
                }
            }
        }
    }
}
