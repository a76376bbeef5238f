import LinearAlgebraCore

/// A rows × cols matrix of 4-bit codes on a per-(row, group) grid, the storage of GPTQ and round-to-nearest:
///
///     w_ip ≈ s_ig · (q_ip − z_ig),   q_ip ∈ {0, …, 15},   g = group of input p
///
/// Groups are `groupSize` consecutive inputs of the stored column order (the last one may be shorter); a
/// per-row grid is one group of `cols`. With GPTQ's act-order the quantizer visits the inputs in another order
/// and records each input's group (`g_idx`); ``init(rows:cols:codes:scales:zeros:groupSize:groupIndex:)`` then
/// stores the columns sorted by group, remembering ``permutation``, so that every group is contiguous and the
/// product only gathers x once.
///
/// Layout (chosen for the product, not the file): each row holds ⌈cols/128⌉ blocks of 16 UInt32 words; word w
/// of block b packs the codes of stored inputs 128b + 8w … 128b + 8w + 7, nibble k (bits 4k…4k+3) for input
/// 128b + 8w + k — GPTQ's packing order within a word. Codes past `cols` are zero.
public struct GroupQuantizedMatrix: Sendable, Equatable {
    /// Inputs per block of 16 words.
    public static let blockInputs = 128

    public let rows: Int
    public let cols: Int
    /// Inputs per group in the stored order (`cols` for a per-row grid).
    public let groupSize: Int
    /// ⌈cols / groupSize⌉.
    public let groups: Int
    /// rows × ⌈cols/128⌉·16 packed words.
    public let words: [UInt32]
    /// rows × groups scales s.
    public let scales: [Float]
    /// rows × groups zero points z (0…15).
    public let zeros: [UInt8]
    /// rows × groups products s·z, the offset the integer-dot product subtracts per group (derived, not stored in
    /// files).
    let scaledZeros: [Float]
    /// Stored column c is input `permutation[c]` of the original matrix; nil = identity.
    public let permutation: [Int32]?

    var wordsPerRow: Int { (cols + Self.blockInputs - 1) / Self.blockInputs * 16 }

    /// From unpacked codes (rows × cols, original column order) and grids. `groupIndex[p]` is the group of input
    /// p (GPTQ's `g_idx`); nil means p / groupSize. Every group must then hold `groupSize` inputs (the last may
    /// hold fewer) — true of GPTQ's act-order indices.
    public init(rows: Int, cols: Int, codes: [UInt8], scales: [Float], zeros: [UInt8], groupSize: Int,
                groupIndex: [Int32]? = nil) {
        let gs = groupSize <= 0 ? cols : groupSize
        let groups = (cols + gs - 1) / gs
        precondition(codes.count == rows * cols && scales.count == rows * groups && zeros.count == rows * groups,
                     "GroupQuantizedMatrix: sizes do not match \(rows)×\(cols) with \(groups) groups")
        var perm: [Int32]? = nil
        if let g = groupIndex {
            precondition(g.count == cols, "GroupQuantizedMatrix: groupIndex has \(g.count) entries for \(cols) columns")
            let order = (0..<cols).sorted { (g[$0], $0) < (g[$1], $1) }
            if order != Array(0..<cols) { perm = order.map { Int32($0) } }
            for (c, p) in order.enumerated() {
                precondition(Int(g[p]) == c / gs, "GroupQuantizedMatrix: group \(g[p]) of input \(p) is not of size \(gs)")
            }
        }
        self.rows = rows
        self.cols = cols
        self.groupSize = gs
        self.groups = groups
        self.scales = scales
        self.zeros = zeros
        scaledZeros = zip(scales, zeros).map { $0 * Float($1) }
        permutation = perm
        let wpr = (cols + Self.blockInputs - 1) / Self.blockInputs * 16
        var words = [UInt32](repeating: 0, count: rows * wpr)
        for i in 0..<rows {
            for c in 0..<cols {
                let p = perm.map { Int($0[c]) } ?? c
                let q = UInt32(codes[i * cols + p] & 0xF)
                words[i * wpr + c / 8] |= q << (4 * UInt32(c % 8))
            }
        }
        self.words = words
    }

    /// The code of row i at stored column c.
    @inline(__always) func code(_ i: Int, storedColumn c: Int) -> Int {
        Int((words[i * wordsPerRow + c / 8] >> (4 * UInt32(c % 8))) & 0xF)
    }

    /// Bytes held: half a byte per code (padding included), four per scale, one per zero, four per scaled zero, four
    /// per permutation entry.
    public var byteCount: Int {
        4 * words.count + 4 * scales.count + zeros.count + 4 * scaledZeros.count + 4 * (permutation?.count ?? 0)
    }

    /// Rows `rows` dequantized into `out` (rows.count × cols in the ORIGINAL column order, row stride `ld`).
    func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        for (r, i) in rows.enumerated() {
            for c in 0..<cols {
                let g = c / groupSize, p = permutation.map { Int($0[c]) } ?? c
                out[r * ld + p] = scales[i * groups + g] * Float(code(i, storedColumn: c) - Int(zeros[i * groups + g]))
            }
        }
    }
}
