import LinearAlgebraCore

/// A rows × cols matrix in 8-bit blocks along each row (GGUF Q8_0's grid):
///
///     for each row i and block b of 32 inputs:  d = max_p |w_ip| / 127,   q_ip = round(w_ip / d) ∈ [−127, 127],
///     w_ip ≈ d · q_ip
///
/// with d stored as an IEEE half (8.5 bits per weight) and ties rounded away from zero (C's `roundf`, as ggml).
/// A row whose length is not a multiple of 32 is padded with zero codes; the padding is never read as a weight.
public struct BlockQ8Matrix: Sendable, Equatable {
    public static let blockSize = 32

    public let rows: Int
    public let cols: Int
    /// Blocks per row: ⌈cols / 32⌉.
    public let blocksPerRow: Int
    /// rows × blocksPerRow·32 codes, row-major (zero past `cols`).
    public var codes: [Int8]
    /// rows × blocksPerRow scales d, as f16 bits.
    public var scales: [UInt16]

    public init(rows: Int, cols: Int, codes: [Int8], scales: [UInt16]) {
        let blocks = (cols + Self.blockSize - 1) / Self.blockSize
        precondition(codes.count == rows * blocks * Self.blockSize && scales.count == rows * blocks,
                     "BlockQ8Matrix: \(codes.count) codes and \(scales.count) scales for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        blocksPerRow = blocks
        self.codes = codes
        self.scales = scales
    }

    /// `m` quantized block by block.
    public init(_ m: Matrix<Float>) {
        let bs = Self.blockSize, blocks = (m.cols + bs - 1) / bs
        var codes = [Int8](repeating: 0, count: m.rows * blocks * bs)
        var scales = [UInt16](repeating: 0, count: m.rows * blocks)
        for i in 0..<m.rows {
            for b in 0..<blocks {
                let lo = b * bs, hi = Swift.min(m.cols, lo + bs)
                var amax: Float = 0
                for p in lo..<hi { amax = Swift.max(amax, abs(m.elements[i * m.cols + p])) }
                let d = amax / 127, inv: Float = d != 0 ? 1 / d : 0
                scales[i * blocks + b] = Float16(d).bitPattern
                for p in lo..<hi {
                    let q = (m.elements[i * m.cols + p] * inv).rounded(.toNearestOrAwayFromZero)
                    codes[i * blocks * bs + p] = Int8(Swift.max(-127, Swift.min(127, q)))
                }
            }
        }
        self.init(rows: m.rows, cols: m.cols, codes: codes, scales: scales)
    }

    /// Stored bytes: one per code (padding included) and two per scale.
    public var byteCount: Int { codes.count + 2 * scales.count }

    /// Rows `rows` dequantized into `out` (rows.count × cols, row stride `ld`).
    func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        let bs = Self.blockSize, stride = blocksPerRow * bs
        for (r, i) in rows.enumerated() {
            for p in 0..<cols {
                let d = Float(Float16(bitPattern: scales[i * blocksPerRow + p / bs]))
                out[r * ld + p] = d * Float(codes[i * stride + p])
            }
        }
    }
}
