import LinearAlgebraCore

/// y[j] ← Σₚ s_jg(p)·(q_jp − z_jg(p))·x[p] + β·y[j] for the rows j of a ``PackedCodeMatrix``: the reference, one
/// weight at a time in the stored column order, x in the original input order.
func packedCodeGEMV_ref(_ w: PackedCodeMatrix, x: UnsafePointer<Float>, rows: Range<Int>,
                        y: UnsafeMutablePointer<Float>, beta: Float) {
    for j in rows {
        var s: Float = 0
        for c in 0..<w.cols {
            let g = c / w.groupSize
            s += w.scale(j, group: g) * Float(w.code(j, storedColumn: c) - w.zero(j, group: g)) * x[w.input(ofStoredColumn: c)]
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// Whether ``packedCodeGEMV(_:prepared:rows:y:beta:)`` serves this matrix: one group per row, or groups that are
/// whole chunks of ``GPTQWordPacking`` (every group size 32, 64, 128 at 2, 3 and 8 bits).
func packedCodeGEMVSupports(_ w: PackedCodeMatrix) -> Bool {
    w.groups == 1 || w.groupSize % GPTQWordPacking.codesPerChunk(bits: w.bits) == 0
}

/// Values the SIMD product reads x from: `xs[c]` = x[permutation(c)] for the stored columns c < cols, 0 up to the
/// end of the last chunk (wordRows / wordsPerChunk · codesPerChunk values).
func packedCodeInput(_ w: PackedCodeMatrix, x: UnsafePointer<Float>, into xs: UnsafeMutablePointer<Float>) {
    let padded = w.wordRows / GPTQWordPacking.wordsPerChunk(bits: w.bits) * GPTQWordPacking.codesPerChunk(bits: w.bits)
    for c in 0..<padded { xs[c] = c < w.cols ? x[w.input(ofStoredColumn: c)] : 0 }
}

/// The product, SIMD, 16 rows in the lanes of a vector, on the input prepared by ``packedCodeInput(_:x:into:)``:
///
///     y[o…o+15] = Σ_g S_g ⊙ Σ_{c ∈ g} (Q_c − Z_g) · xs[c]
///
/// where Q_c is stored column c's code of the 16 rows (one 64-byte load of a word row gives 32/b of them; at 3 bits
/// three loads give 32), widened to Float with the zero already subtracted by ``FloatBits``, times the broadcast
/// xs[c]; S_g and Z_g are the rows' scales and zeros of group g. Rows outside `rows` in the first and last tile
/// are computed and not stored.
@inline(never)
func packedCodeGEMV(_ w: PackedCodeMatrix, prepared xs: UnsafePointer<Float>, rows: Range<Int>,
                    y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    typealias W = SIMD16<UInt32>
    let bits = w.bits, p = w.paddedRows, tile = PackedCodeMatrix.tileRows
    let perChunk = GPTQWordPacking.codesPerChunk(bits: bits), wordsPerChunk = GPTQWordPacking.wordsPerChunk(bits: bits)
    let chunks = w.wordRows / wordsPerChunk
    let chunksPerGroup = w.groups == 1 ? chunks : w.groupSize / perChunk
    w.words.withUnsafeBufferPointer { wb in
    w.scales.withUnsafeBufferPointer { sb in
    w.zeros.withUnsafeBufferPointer { zb in
        let words = wb.baseAddress!, scales = sb.baseAddress!, zeros = zb.baseAddress!
        @inline(__always) func load(_ i: Int, _ o: Int) -> W { UnsafeRawPointer(words + i * p + o).loadUnaligned(as: W.self) }
        @inline(__always) func x(_ c: Int) -> V { V(repeating: xs[c]) }
        for t in rows.lowerBound / tile..<(rows.upperBound + tile - 1) / tile {
            let o = t * tile
            var total = V()
            for g in 0..<w.groups {
                // 2²³ + z as Float bits (FloatBits), and the scales.
                let z8 = UnsafeRawPointer(zeros + g * p + o).loadUnaligned(as: SIMD16<UInt8>.self)
                let zero = unsafeBitCast(W(truncatingIfNeeded: z8) | W(repeating: FloatBits.magic), to: V.self)
                let scale = UnsafeRawPointer(scales + g * p + o).loadUnaligned(as: V.self)
                @inline(__always) func q(_ u: W, _ mask: UInt32) -> V { FloatBits.float(u & W(repeating: mask), minus: zero) }
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                for j in g * chunksPerGroup..<Swift.min(chunks, (g + 1) * chunksPerGroup) {
                    let c = j * perChunk, i = j * wordsPerChunk
                    switch bits {
                    case 8:
                        let v = load(i, o)
                        a0 = a0.addingProduct(q(v, 0xFF), x(c))
                        a1 = a1.addingProduct(q(v &>> 8, 0xFF), x(c + 1))
                        a2 = a2.addingProduct(q(v &>> 16, 0xFF), x(c + 2))
                        a3 = a3.addingProduct(q(v &>> 24, 0xFF), x(c + 3))
                    case 2:
                        let v = load(i, o)
                        for k in stride(from: 0, to: 16, by: 4) {
                            a0 = a0.addingProduct(q(v &>> UInt32(2 * k), 3), x(c + k))
                            a1 = a1.addingProduct(q(v &>> UInt32(2 * k + 2), 3), x(c + k + 1))
                            a2 = a2.addingProduct(q(v &>> UInt32(2 * k + 4), 3), x(c + k + 2))
                            a3 = a3.addingProduct(q(v &>> UInt32(2 * k + 6), 3), x(c + k + 3))
                        }
                    default:  // 3 bits: codes 0…9 | 10 | 11…20 | 21 | 22…31 over words A, B, C
                        let va = load(i, o), vb = load(i + 1, o), vc = load(i + 2, o)
                        for k in stride(from: 0, to: 10, by: 2) {
                            a0 = a0.addingProduct(q(va &>> UInt32(3 * k), 7), x(c + k))
                            a1 = a1.addingProduct(q(va &>> UInt32(3 * k + 3), 7), x(c + k + 1))
                            a2 = a2.addingProduct(q(vb &>> UInt32(3 * k + 1), 7), x(c + 11 + k))
                            a3 = a3.addingProduct(q(vb &>> UInt32(3 * k + 4), 7), x(c + 12 + k))
                            a0 = a0.addingProduct(q(vc &>> UInt32(3 * k + 2), 7), x(c + 22 + k))
                            a1 = a1.addingProduct(q(vc &>> UInt32(3 * k + 5), 7), x(c + 23 + k))
                        }
                        a2 = a2.addingProduct(q((va &>> 30) | (vb &<< 2), 7), x(c + 10))
                        a3 = a3.addingProduct(q((vb &>> 31) | (vc &<< 1), 7), x(c + 21))
                    }
                }
                total = total.addingProduct((a0 + a1) + (a2 + a3), scale)
            }
            for lane in 0..<tile where rows.contains(o + lane) {
                y[o + lane] = beta == 0 ? total[lane] : total[lane] + beta * y[o + lane]
            }
        }
    }}}
}
