@testable import GEMM
import LinearAlgebraCore
import Testing

/// The 2-, 3- and 8-bit storage: every code at its bits of the GPTQ bit stream, the grids and the act-order
/// permutation read back, padding rows empty, and the products on row ranges that do not start on a tile.
@Suite struct PackedCodeMatrixTests {
    @Test(arguments: [2, 3, 8])
    func packingRoundTrips(bits: Int) {
        for (cols, groupSize, permuted) in [(100, 32, false), (200, 64, true), (45, -1, false)] {
            let rows = 21
            let g = randomGrid(bits: bits, rows: rows, cols: cols, groupSize: groupSize, permuted: permuted, seed: UInt64(cols))
            let m = PackedCodeMatrix(rows: rows, cols: cols, bits: bits, codes: g.codes, scales: g.scales, zeros: g.zeros,
                                     groupSize: groupSize, groupIndex: g.groupIndex)
            #expect(m.paddedRows == 32)
            #expect(m.wordRows == (bits == 3 ? 3 * ((cols + 31) / 32) : (cols * bits + 31) / 32))
            #expect(m.codes() == g.codes)
            #expect(m.rowScales() == g.scales)
            #expect(m.rowZeros() == g.zeros)
            #expect(m.groupIndex == g.groupIndex)
            #expect((m.permutation != nil) == permuted)
            // Bit t of stored column c's code is bit bits·c + t of the row's words read as one little-endian stream.
            for o in 0..<rows {
                for c in 0..<cols {
                    let code = Int(g.codes[o * cols + m.input(ofStoredColumn: c)])
                    for t in 0..<bits {
                        let position = bits * c + t
                        let word = m.words[(position / 32) * m.paddedRows + o]
                        #expect(Int(word >> UInt32(position % 32)) & 1 == (code >> t) & 1)
                    }
                }
            }
            for o in rows..<m.paddedRows {
                #expect((0..<m.wordRows).allSatisfy { m.words[$0 * m.paddedRows + o] == 0 })
                #expect((0..<m.groups).allSatisfy { m.scale(o, group: $0) == 0 && m.zero(o, group: $0) == 0 })
            }
            // Ŵ[o, p] = s·(q − z) at every original input p.
            let dense = WeightMatrix.packedCodes(m).dequantized()
            let gs = groupSize <= 0 ? cols : groupSize, groups = (cols + gs - 1) / gs
            for o in 0..<rows {
                for p in 0..<cols {
                    let grp = g.groupIndex.map { Int($0[p]) } ?? p / gs
                    let expected = g.scales[o * groups + grp] * (Float(g.codes[o * cols + p]) - Float(g.zeros[o * groups + grp]))
                    #expect(dense[o, p] == expected)
                }
            }
        }
    }

    /// gemv on rows that start and end inside a tile of 16 writes those rows only, as the reference does.
    @Test(arguments: [2, 3, 8])
    func productOnARowRange(bits: Int) {
        let (rows, cols) = (70, 160)
        let m = packedCodeWeight(bits: bits, rows: rows, cols: cols, groupSize: 32, permuted: true, seed: 5)
        let w = WeightMatrix.packedCodes(m), dense = w.dequantized()
        let x = (0..<cols).map { Float(($0 * 13) % 17) / 8 - 1 }
        let range = 5..<53
        var ref = [Float](repeating: 7, count: range.count), fast = ref
        x.withUnsafeBufferPointer { xp in
            w.gemv(xp.baseAddress!, rows: range, into: &ref, beta: 0.5, variant: .reference)
            w.gemv(xp.baseAddress!, rows: range, into: &fast, beta: 0.5, variant: .simd)
        }
        for (k, j) in range.enumerated() {
            var bound: Float = 3.5
            for p in 0..<cols { bound += abs(dense[j, p] * x[p]) }
            #expect(abs(fast[k] - ref[k]) <= Float(2 * cols + 8) * Float.ulpOfOne * bound, "row \(j)")
        }
    }
}
