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

/// Whether ``groupQuantizedGEMV(_:prepared:groupSums:rows:y:beta:)`` serves this group size: one group per row,
/// groups of a multiple of 128 inputs, or of 64, 32 or 16 (a block's 16 words then span 2, 4 or 8 groups).
func groupQuantizedGEMVSupports(_ w: GroupQuantizedMatrix) -> Bool {
    w.groups == 1 || w.groupSize % 128 == 0 || [64, 32, 16].contains(w.groupSize)
}

/// The input as the SIMD product reads it: `xk` (⌈cols/128⌉·128 values) holds, for block b, lane w of step k,
///
///     xk[128b + 16k + w] = x[perm(128b + 8w + k)]     (0 past cols)
///
/// so that nibble k of the block's 16 words meets 16 consecutive values; `groupSums[g]` = Σ_{p ∈ g} x[p].
func groupQuantizedInput(_ w: GroupQuantizedMatrix, x: UnsafePointer<Float>, xk: UnsafeMutablePointer<Float>,
                         groupSums: UnsafeMutablePointer<Float>) {
    let padded = w.wordsPerRow * 8
    groupSums.update(repeating: 0, count: w.groups)
    for c in 0..<padded {
        let b = c / 128, r = c % 128, word = r / 8, k = r % 8
        var v: Float = 0
        if c < w.cols {
            v = x[w.permutation.map { Int($0[c]) } ?? c]
            groupSums[c / w.groupSize] += v
        }
        xk[128 * b + 16 * k + word] = v
    }
}

/// The product, SIMD, on the input prepared by ``groupQuantizedInput(_:x:xk:groupSums:)``:
///
///     y_j = Σ_b ⟨S_jb, Σ_k nibble_k(words_jb) ⊙ xk[128b + 16k …]⟩ − Σ_g s_jg·z_jg·groupSums[g]
///
/// where S_jb holds each lane's group scale. Per 128 weights a row costs one 64-byte load and eight
/// shift-mask-convert-FMA steps; four rows share the loads of xk.
@inline(never)
func groupQuantizedGEMV(_ w: GroupQuantizedMatrix, prepared xk: UnsafePointer<Float>, groupSums: UnsafePointer<Float>,
                        rows: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    typealias W = SIMD16<UInt32>
    let wpr = w.wordsPerRow, blocks = wpr / 16, groups = w.groups, gs = w.groupSize
    let mask = W(repeating: 0xF)
    w.words.withUnsafeBufferPointer { wb in
        w.scales.withUnsafeBufferPointer { sb in
            w.zeros.withUnsafeBufferPointer { zb in
                let words = wb.baseAddress!, scales = sb.baseAddress!, zeros = zb.baseAddress!
                /// Each lane's scale for row j, block b.
                @inline(__always) func laneScales(_ j: Int, _ b: Int) -> V {
                    let s = scales + j * groups
                    if groups == 1 { return V(repeating: s[0]) }
                    if gs % 128 == 0 { return V(repeating: s[Swift.min(groups - 1, 128 * b / gs)]) }
                    let first = 128 * b / gs, lanesPerGroup = gs / 8
                    var v = V()
                    for lane in 0..<16 { v[lane] = s[Swift.min(groups - 1, first + lane / lanesPerGroup)] }
                    return v
                }
                @inline(__always) func zeroTerm(_ j: Int) -> Float {
                    var t: Float = 0
                    for g in 0..<groups { t += scales[j * groups + g] * Float(zeros[j * groups + g]) * groupSums[g] }
                    return t
                }
                @inline(__always) func nibbles(_ v: W, _ k: UInt32) -> V {
                    V(SIMD16<Int32>(truncatingIfNeeded: (v &>> k) & mask))
                }
                @inline(__always) func loadXK(_ p: Int) -> V { UnsafeRawPointer(xk + p).loadUnaligned(as: V.self) }
                @inline(__always) func loadW(_ p: UnsafePointer<UInt32>) -> W { UnsafeRawPointer(p).loadUnaligned(as: W.self) }
                @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
                var j = rows.lowerBound
                while j + 4 <= rows.upperBound {
                    var t0 = V(), t1 = V(), t2 = V(), t3 = V()
                    for b in 0..<blocks {
                        let w0 = loadW(words + j * wpr + 16 * b), w1 = loadW(words + (j + 1) * wpr + 16 * b)
                        let w2 = loadW(words + (j + 2) * wpr + 16 * b), w3 = loadW(words + (j + 3) * wpr + 16 * b)
                        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                        for k in 0..<8 {
                            let xv = loadXK(128 * b + 16 * k), shift = UInt32(4 * k)
                            a0 = a0.addingProduct(nibbles(w0, shift), xv)
                            a1 = a1.addingProduct(nibbles(w1, shift), xv)
                            a2 = a2.addingProduct(nibbles(w2, shift), xv)
                            a3 = a3.addingProduct(nibbles(w3, shift), xv)
                        }
                        t0 = t0.addingProduct(a0, laneScales(j, b))
                        t1 = t1.addingProduct(a1, laneScales(j + 1, b))
                        t2 = t2.addingProduct(a2, laneScales(j + 2, b))
                        t3 = t3.addingProduct(a3, laneScales(j + 3, b))
                    }
                    store(j, t0.sum() - zeroTerm(j)); store(j + 1, t1.sum() - zeroTerm(j + 1))
                    store(j + 2, t2.sum() - zeroTerm(j + 2)); store(j + 3, t3.sum() - zeroTerm(j + 3))
                    j += 4
                }
                while j < rows.upperBound {
                    var t = V()
                    for b in 0..<blocks {
                        let wv = loadW(words + j * wpr + 16 * b)
                        var a = V()
                        for k in 0..<8 { a = a.addingProduct(nibbles(wv, UInt32(4 * k)), loadXK(128 * b + 16 * k)) }
                        t = t.addingProduct(a, laneScales(j, b))
                    }
                    store(j, t.sum() - zeroTerm(j))
                    j += 1
                }
            }
        }
    }
}
