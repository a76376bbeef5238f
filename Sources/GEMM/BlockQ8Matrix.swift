import LinearAlgebraCore

/// A rows × cols matrix in 8-bit blocks along each row (GGUF Q8_0's grid):
///
///     for each row i and block b of 32 inputs:  d = max_p |w_ip| / 127,   q_ip = round(w_ip / d) ∈ [−127, 127],
///     w_ip ≈ d · q_ip
///
/// with d stored as an IEEE half (8.5 bits per weight) and ties rounded away from zero (C's `roundf`, as ggml).
/// Codes are stored offset by 128 (u = q + 128, a byte), which the product widens with bit operations
/// (``FloatBits``). Rows are padded to an even number of blocks (64 inputs, one 16-lane load) with zero codes
/// (u = 128) and zero scales; the padding is never read as a weight.
public struct BlockQ8Matrix: Sendable, Equatable {
    public static let blockSize = 32

    public let rows: Int
    public let cols: Int
    /// Blocks per row: ⌈cols / 64⌉·2.
    public let blocksPerRow: Int
    /// rows × blocksPerRow·32 codes q + 128, row-major (128 past `cols`).
    public var codes: [UInt8]
    /// rows × blocksPerRow scales d, as f16 bits (0 for padding blocks).
    public var scales: [UInt16]

    /// Blocks per row for `cols` inputs.
    public static func blocks(cols: Int) -> Int { (cols + 63) / 64 * 2 }

    public init(rows: Int, cols: Int, codes: [UInt8], scales: [UInt16]) {
        let blocks = Self.blocks(cols: cols)
        precondition(codes.count == rows * blocks * Self.blockSize && scales.count == rows * blocks,
                     "BlockQ8Matrix: \(codes.count) codes and \(scales.count) scales for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        blocksPerRow = blocks
        self.codes = codes
        self.scales = scales
    }

    /// Blocks of 32 that hold the row's inputs: ⌈cols / 32⌉ (the file layout has no padding block).
    public var fileBlocksPerRow: Int { (cols + Self.blockSize - 1) / Self.blockSize }

    /// From the file layout (GGUF Q8_0-like): signed codes rows × ⌈cols/32⌉·32 (zero past `cols`) and f16 scales
    /// rows × ⌈cols/32⌉.
    public init(rows: Int, cols: Int, signedCodes: [Int8], scales fileScales: [UInt16]) {
        let bs = Self.blockSize, fileBlocks = (cols + bs - 1) / bs, blocks = Self.blocks(cols: cols)
        precondition(signedCodes.count == rows * fileBlocks * bs && fileScales.count == rows * fileBlocks,
                     "BlockQ8Matrix: \(signedCodes.count) codes and \(fileScales.count) scales for \(rows)×\(cols)")
        var codes = [UInt8](repeating: 128, count: rows * blocks * bs)
        var scales = [UInt16](repeating: 0, count: rows * blocks)
        for i in 0..<rows {
            for p in 0..<fileBlocks * bs { codes[i * blocks * bs + p] = UInt8(Int(signedCodes[i * fileBlocks * bs + p]) + 128) }
            for b in 0..<fileBlocks { scales[i * blocks + b] = fileScales[i * fileBlocks + b] }
        }
        self.init(rows: rows, cols: cols, codes: codes, scales: scales)
    }

    /// The signed codes in the file layout (rows × ⌈cols/32⌉·32).
    public var signedCodes: [Int8] {
        let bs = Self.blockSize, fileBlocks = fileBlocksPerRow
        var out = [Int8](repeating: 0, count: rows * fileBlocks * bs)
        for i in 0..<rows {
            for p in 0..<fileBlocks * bs { out[i * fileBlocks * bs + p] = Int8(Int(codes[i * blocksPerRow * bs + p]) - 128) }
        }
        return out
    }

    /// The scales in the file layout (rows × ⌈cols/32⌉ f16 bits).
    public var fileScales: [UInt16] {
        let fileBlocks = fileBlocksPerRow
        var out = [UInt16](repeating: 0, count: rows * fileBlocks)
        for i in 0..<rows { for b in 0..<fileBlocks { out[i * fileBlocks + b] = scales[i * blocksPerRow + b] } }
        return out
    }

    /// `m` quantized block by block.
    public init(_ m: Matrix<Float>) {
        let bs = Self.blockSize, blocks = Self.blocks(cols: m.cols)
        var codes = [UInt8](repeating: 128, count: m.rows * blocks * bs)
        var scales = [UInt16](repeating: 0, count: m.rows * blocks)
        for i in 0..<m.rows {
            for b in 0..<(m.cols + bs - 1) / bs {
                let lo = b * bs, hi = Swift.min(m.cols, lo + bs)
                var amax: Float = 0
                for p in lo..<hi { amax = Swift.max(amax, abs(m.elements[i * m.cols + p])) }
                let d = amax / 127, inv: Float = d != 0 ? 1 / d : 0
                scales[i * blocks + b] = Float16(d).bitPattern
                for p in lo..<hi {
                    let q = Swift.max(-127, Swift.min(127, (m.elements[i * m.cols + p] * inv).rounded(.toNearestOrAwayFromZero)))
                    codes[i * blocks * bs + p] = UInt8(Int(q) + 128)
                }
            }
        }
        self.init(rows: m.rows, cols: m.cols, codes: codes, scales: scales)
    }

    /// The signed code q of row i, input p.
    @inline(__always) func code(_ i: Int, _ p: Int) -> Int { Int(codes[i * blocksPerRow * Self.blockSize + p]) - 128 }

    /// The scale d of row i, block b.
    @inline(__always) func scale(_ i: Int, block b: Int) -> Float { Float(Float16(bitPattern: scales[i * blocksPerRow + b])) }

    /// Stored bytes: one per code (padding included) and two per scale.
    public var byteCount: Int { codes.count + 2 * scales.count }

    /// Rows `rows` dequantized into `out` (rows.count × cols, row stride `ld`).
    func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        for (r, i) in rows.enumerated() {
            for p in 0..<cols { out[r * ld + p] = scale(i, block: p / Self.blockSize) * Float(code(i, p)) }
        }
    }
}
