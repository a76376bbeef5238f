import LinearAlgebraCore

/// A weight matrix W (rows = out × cols = in, PyTorch's convention) as integer codes with one grid per row and
/// group, unpacked: one byte per code. The packed checkpoint layout (GPTQ's qweight/qzeros/scales/g_idx) is built
/// from this value elsewhere.
///
/// Weight (r, c) is  Ŵ[r, c] = scales[r, g] · (codes[r, c] − zeros[r, g])  with g = group(ofColumn: c):
/// `groupIndex[c]` when present (act-order: GPTQ visits the columns in a permuted order and groups them in that
/// order), else c / groupSize, or 0 when groupSize = −1.
public struct QuantizedWeights: Sendable, Equatable {
    /// Output features (rows of W).
    public let rows: Int
    /// Input features (columns of W).
    public let cols: Int
    /// Bits per code: 2, 3, 4 or 8.
    public let bits: Int
    /// Input columns per group, or −1 for one group per row.
    public let groupSize: Int
    /// Whether the grid is symmetric (zeros all (maxq + 1)/2).
    public let symmetric: Bool
    /// rows × cols, row-major: the code of each weight, in 0…2^bits − 1, in the original column order.
    public var codes: [UInt8]
    /// rows × groups, row-major: the step of each row's groups.
    public var scales: [Float]
    /// rows × groups, row-major: the zero point (an integer in 0…maxq) of each row's groups.
    public var zeros: [Float]
    /// cols: the group of each column, present with act-order only (for GPTQ's g_idx).
    public var groupIndex: [Int32]?

    public init(rows: Int, cols: Int, bits: Int, groupSize: Int, symmetric: Bool, codes: [UInt8], scales: [Float],
                zeros: [Float], groupIndex: [Int32]? = nil) {
        let groups = groupSize == -1 ? 1 : cols / Swift.max(groupSize, 1)
        precondition(codes.count == rows * cols, "QuantizedWeights: \(codes.count) codes for \(rows)×\(cols)")
        precondition(scales.count == rows * groups && zeros.count == rows * groups,
                     "QuantizedWeights: \(scales.count) scales, \(zeros.count) zeros for \(rows)×\(groups) groups")
        precondition(groupIndex.map { $0.count == cols } ?? true, "QuantizedWeights: groupIndex must have \(cols) entries")
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.groupSize = groupSize
        self.symmetric = symmetric
        self.codes = codes
        self.scales = scales
        self.zeros = zeros
        self.groupIndex = groupIndex
    }

    /// Groups per row: cols / groupSize, or 1 when groupSize = −1.
    public var groups: Int { groupSize == -1 ? 1 : cols / groupSize }

    /// The format these weights are in.
    public var format: QuantizationFormat { QuantizationFormat(bits: bits, groupSize: groupSize, symmetric: symmetric) }

    /// The group of input column `c`: groupIndex[c], else c / groupSize (0 when per row).
    @inlinable public func group(ofColumn c: Int) -> Int {
        if let groupIndex { return Int(groupIndex[c]) }
        return groupSize == -1 ? 0 : c / groupSize
    }

    /// The grid of row `r`, group `g`.
    public func grid(row r: Int, group g: Int) -> QuantizationGrid {
        QuantizationGrid(scale: scales[r * groups + g], zero: zeros[r * groups + g], maxq: (1 << bits) - 1)
    }

    /// Ŵ (rows × cols), each weight scale · (code − zero) in Float, as GPTQ's dequantized Q.
    public func dequantized() -> Matrix<Float> {
        let groupOf = (0..<cols).map { group(ofColumn: $0) }
        let g = groups
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let k = r * g + groupOf[c]
                out[r * cols + c] = scales[k] * (Float(codes[r * cols + c]) - zeros[k])
            }
        }
        return Matrix(rows: rows, cols: cols, elements: out)
    }
}
