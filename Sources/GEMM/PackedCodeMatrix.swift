import LinearAlgebraCore

/// A rows × cols matrix of b-bit codes (b = 2, 3 or 8) on a per-(row, group) grid, the storage of GPTQ and
/// round-to-nearest at the widths other than 4 (those are ``GroupQuantizedMatrix``):
///
///     w_ip ≈ s_ig · (q_ip − z_ig),   q_ip ∈ {0, …, 2^b − 1},   g = group of input p
///
/// Groups are `groupSize` consecutive inputs of the stored column order (the last one may be shorter; one group of
/// `cols` for a per-row grid). With GPTQ's act-order the columns are stored sorted by group (``permutation``), as
/// in ``GroupQuantizedMatrix``, so that every group is contiguous.
///
/// Layout: the GPTQ checkpoint's own, codes packed along the input axis (``GPTQWordPacking``: C = 32/b codes per
/// word, or 32 codes per three words at 3 bits) with one column of words per output row:
///
///     words   [wordRows × paddedRows]   word [i, o] = word i of row o's packed stored columns
///     scales  [groups × paddedRows]     Float
///     zeros   [groups × paddedRows]     UInt8
///
/// `paddedRows` = ⌈rows/16⌉·16 (padding rows: zero codes, scales and zeros), so that one 64-byte load reads the same
/// word of 16 consecutive rows: the product runs 16 rows in the lanes of a vector and broadcasts x.
public struct PackedCodeMatrix: Sendable, Equatable {
    /// Rows per vector of the product.
    public static let tileRows = 16
    /// The widths this storage holds.
    public static let supportedBits: Set<Int> = [2, 3, 8]

    public let rows: Int
    public let cols: Int
    public let bits: Int
    /// Inputs per group in the stored order (`cols` for a per-row grid).
    public let groupSize: Int
    /// ⌈cols / groupSize⌉.
    public let groups: Int
    /// ⌈rows / 16⌉·16.
    public let paddedRows: Int
    /// Words per row's packed columns: ``GPTQWordPacking/wordCount(codes:bits:)`` of `cols`.
    public let wordRows: Int
    /// wordRows × paddedRows packed codes.
    public var words: [UInt32]
    /// groups × paddedRows scales s.
    public var scales: [Float]
    /// groups × paddedRows zero points z (0…2^b − 1).
    public var zeros: [UInt8]
    /// Stored column c is input `permutation[c]` of the original matrix; nil = identity.
    public var permutation: [Int32]?

    /// From unpacked codes (rows × cols, original column order) and grids (scales and zeros rows × groups,
    /// row-major). `groupIndex[p]` is the group of input p (GPTQ's `g_idx`); nil means p / groupSize. Every group
    /// must then hold `groupSize` inputs (the last may hold fewer) — true of GPTQ's act-order indices.
    public init(rows: Int, cols: Int, bits: Int, codes: [UInt8], scales: [Float], zeros: [UInt8], groupSize: Int,
                groupIndex: [Int32]? = nil) {
        precondition(Self.supportedBits.contains(bits), "PackedCodeMatrix: \(bits) bits (2, 3 or 8; 4 is GroupQuantizedMatrix)")
        let gs = groupSize <= 0 ? cols : groupSize
        let groups = (cols + gs - 1) / gs
        precondition(codes.count == rows * cols && scales.count == rows * groups && zeros.count == rows * groups,
                     "PackedCodeMatrix: sizes do not match \(rows)×\(cols) with \(groups) groups")
        let perm = groupSortedColumns(groupIndex, cols: cols, groupSize: gs)
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.groupSize = gs
        self.groups = groups
        permutation = perm
        let padded = (rows + Self.tileRows - 1) / Self.tileRows * Self.tileRows
        paddedRows = padded
        wordRows = GPTQWordPacking.wordCount(codes: cols, bits: bits)
        var words = [UInt32](repeating: 0, count: wordRows * padded)
        for o in 0..<rows {
            for c in 0..<cols {
                let p = perm.map { Int($0[c]) } ?? c
                GPTQWordPacking.put(codes[o * cols + p], code: c, bits: bits, into: &words, base: o, stride: padded)
            }
        }
        self.words = words
        var s = [Float](repeating: 0, count: groups * padded), z = [UInt8](repeating: 0, count: groups * padded)
        for o in 0..<rows {
            for g in 0..<groups {
                s[g * padded + o] = scales[o * groups + g]
                z[g * padded + o] = zeros[o * groups + g]
            }
        }
        self.scales = s
        self.zeros = z
    }

    /// The code of row o at stored column c.
    @inline(__always) public func code(_ o: Int, storedColumn c: Int) -> Int {
        Int(GPTQWordPacking.code(c, bits: bits) { words[$0 * paddedRows + o] })
    }

    /// The scale of row o, group g.
    @inline(__always) public func scale(_ o: Int, group g: Int) -> Float { scales[g * paddedRows + o] }

    /// The zero point of row o, group g.
    @inline(__always) public func zero(_ o: Int, group g: Int) -> Int { Int(zeros[g * paddedRows + o]) }

    /// The original input of stored column c.
    @inline(__always) func input(ofStoredColumn c: Int) -> Int { permutation.map { Int($0[c]) } ?? c }

    /// Unpacked codes rows × cols, in the original column order.
    public func codes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * cols)
        for o in 0..<rows { for c in 0..<cols { out[o * cols + input(ofStoredColumn: c)] = UInt8(code(o, storedColumn: c)) } }
        return out
    }

    /// Scales rows × groups, row-major.
    public func rowScales() -> [Float] { (0..<rows * groups).map { scale($0 / groups, group: $0 % groups) } }

    /// Zero points rows × groups, row-major.
    public func rowZeros() -> [UInt8] { (0..<rows * groups).map { UInt8(zero($0 / groups, group: $0 % groups)) } }

    /// GPTQ's `g_idx` (the group of each original input), or nil when the columns are in their original order.
    public var groupIndex: [Int32]? {
        permutation.map { perm in
            var g = [Int32](repeating: 0, count: cols)
            for (c, p) in perm.enumerated() { g[Int(p)] = Int32(c / groupSize) }
            return g
        }
    }

    /// Stored bytes: the packed words (padding included), four per scale, one per zero, four per permutation entry.
    public var byteCount: Int { 4 * words.count + 4 * scales.count + zeros.count + 4 * (permutation?.count ?? 0) }

    /// Rows `r` dequantized into `out` (r.count × cols in the ORIGINAL column order, row stride `ld`): each row's
    /// words read as one bit stream, low bits first.
    func dequantizeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        let mask = UInt64((1 << bits) - 1)
        words.withUnsafeBufferPointer { w in
            for (k, o) in r.enumerated() {
                let row = out + k * ld
                var next = o, acc: UInt64 = 0, held = 0  // the next word's index, the unread bits
                for g in 0..<groups {
                    let s = scale(o, group: g), z = Float(zero(o, group: g))
                    for c in g * groupSize..<Swift.min(cols, (g + 1) * groupSize) {
                        if held < bits {
                            acc |= UInt64(w[next]) << UInt64(held)
                            next += paddedRows
                            held += 32
                        }
                        row[input(ofStoredColumn: c)] = s * (Float(acc & mask) - z)
                        acc >>= UInt64(bits)
                        held -= bits
                    }
                }
            }
        }
    }
}

/// The stored column order that makes every group contiguous: the inputs sorted by (group, input), as stored
/// column c → original input; nil when that is the identity (or `groupIndex` is nil). Checks that every group but
/// the last holds `groupSize` inputs.
func groupSortedColumns(_ groupIndex: [Int32]?, cols: Int, groupSize gs: Int) -> [Int32]? {
    guard let g = groupIndex else { return nil }
    precondition(g.count == cols, "groupIndex has \(g.count) entries for \(cols) columns")
    let order = (0..<cols).sorted { (g[$0], $0) < (g[$1], $1) }
    for (c, p) in order.enumerated() {
        precondition(Int(g[p]) == c / gs, "group \(g[p]) of input \(p) is not of size \(gs)")
    }
    return order == Array(0..<cols) ? nil : order.map { Int32($0) }
}
