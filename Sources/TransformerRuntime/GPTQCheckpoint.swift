import Foundation
import GEMM
import Formats
import LinearAlgebraCore

/// The GPTQ checkpoint layout of one quantized matrix W (out × in), as AutoGPTQ / GPTQModel write it, for module
/// `<module>`:
///
///     <module>.qweight  I32  words(in) × out      column o = the codes of W[o, 0…in−1], packed
///     <module>.qzeros   I32  groups × words(out)  row g = the zero points of outputs 0…out−1 in group g, packed
///     <module>.scales   F16  groups × out
///     <module>.g_idx    I32  in   (only with act-order: the group of each input)
///
/// with b = bits ∈ {2, 3, 4, 8} and a run of codes packed as ``GPTQWordPacking`` does: 32/b codes per word, low
/// bits first (words(n) = ⌈n·b/32⌉), or at 3 bits 32 codes per three words, codes crossing word boundaries
/// (words(n) = 3·⌈n/32⌉). Zeros are stored as they are (GPTQModel's `gptq_v2` checkpoint format), NOT with
/// AutoGPTQ's historical −1 offset: the v1 offset wraps a zero of 0 to 2^b − 1 and loses it. An input count that
/// does not fill the last word (chunk) is padded with zero codes; groups = ⌈in / groupSize⌉, the last one possibly
/// partial.
public struct GPTQPackedTensors: Sendable, Equatable {
    public var rows: Int  // out
    public var cols: Int  // in
    public var bits: Int
    public var groupSize: Int
    /// words(cols) × rows words.
    public var qweight: [UInt32]
    /// groups × words(rows) words.
    public var qzeros: [UInt32]
    /// groups × rows, f16 bit patterns.
    public var scales: [UInt16]
    /// cols group indices, present with act-order.
    public var gIdx: [Int32]?

    public var groups: Int { (cols + groupSize - 1) / groupSize }
    public var qweightShape: [Int] { [GPTQWordPacking.wordCount(codes: cols, bits: bits), rows] }
    public var qzerosShape: [Int] { [groups, GPTQWordPacking.wordCount(codes: rows, bits: bits)] }
    public var scalesShape: [Int] { [groups, rows] }

    /// Packs unpacked codes (rows × cols, original input order), zeros and scales (rows × groups, row-major) and
    /// the optional group index.
    public init(rows: Int, cols: Int, bits: Int, groupSize: Int, codes: [UInt8], zeros: [UInt8], scales: [Float],
                gIdx: [Int32]?) {
        precondition(GPTQWordPacking.supportedBits.contains(bits), "GPTQPackedTensors: \(bits) bits cannot be packed")
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.groupSize = groupSize
        self.gIdx = gIdx
        let groups = (cols + groupSize - 1) / groupSize
        precondition(codes.count == rows * cols && zeros.count == rows * groups && scales.count == rows * groups)
        var qw = [UInt32](repeating: 0, count: GPTQWordPacking.wordCount(codes: cols, bits: bits) * rows)
        for o in 0..<rows {
            for p in 0..<cols { GPTQWordPacking.put(codes[o * cols + p], code: p, bits: bits, into: &qw, base: o, stride: rows) }
        }
        qweight = qw
        let zCols = GPTQWordPacking.wordCount(codes: rows, bits: bits)
        var qz = [UInt32](repeating: 0, count: groups * zCols)
        var sc = [UInt16](repeating: 0, count: groups * rows)
        for o in 0..<rows {
            for g in 0..<groups {
                GPTQWordPacking.put(zeros[o * groups + g], code: o, bits: bits, into: &qz, base: g * zCols, stride: 1)
                sc[g * rows + o] = Float16(scales[o * groups + g]).bitPattern
            }
        }
        qzeros = qz
        self.scales = sc
    }

    /// From the four stored arrays (shapes checked by the caller).
    public init(rows: Int, cols: Int, bits: Int, groupSize: Int, qweight: [UInt32], qzeros: [UInt32], scales: [UInt16],
                gIdx: [Int32]?) {
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.groupSize = groupSize
        self.qweight = qweight
        self.qzeros = qzeros
        self.scales = scales
        self.gIdx = gIdx
    }

    /// Codes rows × cols (original input order).
    public func codes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * cols)
        for o in 0..<rows {
            for p in 0..<cols { out[o * cols + p] = GPTQWordPacking.code(p, bits: bits) { qweight[$0 * rows + o] } }
        }
        return out
    }

    /// Zeros rows × groups.
    public func zeros() -> [UInt8] {
        let zCols = qzerosShape[1]
        var out = [UInt8](repeating: 0, count: rows * groups)
        for o in 0..<rows {
            for g in 0..<groups { out[o * groups + g] = GPTQWordPacking.code(o, bits: bits) { qzeros[g * zCols + $0] } }
        }
        return out
    }

    /// Scales rows × groups as Float.
    public func floatScales() -> [Float] {
        var out = [Float](repeating: 0, count: rows * groups)
        for o in 0..<rows { for g in 0..<groups { out[o * groups + g] = Float(Float16(bitPattern: scales[g * rows + o])) } }
        return out
    }

    /// The runtime storage: ``GroupQuantizedMatrix`` at 4 bits, ``PackedCodeMatrix`` at 2, 3 and 8.
    public func weightMatrix() -> WeightMatrix {
        if bits == 4 {
            return .int4(GroupQuantizedMatrix(rows: rows, cols: cols, codes: codes(), scales: floatScales(), zeros: zeros(),
                                              groupSize: groupSize, groupIndex: gIdx))
        }
        return .packedCodes(PackedCodeMatrix(rows: rows, cols: cols, bits: bits, codes: codes(), scales: floatScales(),
                                             zeros: zeros(), groupSize: groupSize, groupIndex: gIdx))
    }

    /// The packed tensors of a 4-bit runtime matrix. Codes are read back from the dequantized weights,
    /// q = round(w / s) + z (exact: s·(q − z) is one rounding of a small integer multiple); a group of scale 0
    /// gets codes = zero.
    public init(_ m: GroupQuantizedMatrix) {
        let (rows, cols, gs, groups) = (m.rows, m.cols, m.groupSize, m.groups)
        var gIdx: [Int32]? = nil
        if let perm = m.permutation {
            var g = [Int32](repeating: 0, count: cols)
            for (c, p) in perm.enumerated() { g[Int(p)] = Int32(c / gs) }
            gIdx = g
        }
        let w = WeightMatrix.int4(m).dequantized()
        var codes = [UInt8](repeating: 0, count: rows * cols)
        for o in 0..<rows {
            for p in 0..<cols {
                let g = gIdx.map { Int($0[p]) } ?? p / gs
                let s = m.scales[o * groups + g], z = Int(m.zeros[o * groups + g])
                let q = s == 0 ? z : Int((w.elements[o * cols + p] / s).rounded()) + z
                codes[o * cols + p] = UInt8(Swift.max(0, Swift.min(15, q)))
            }
        }
        self.init(rows: rows, cols: cols, bits: 4, groupSize: gs, codes: codes, zeros: m.zeros, scales: m.scales, gIdx: gIdx)
    }

    /// The packed tensors of a 2-, 3- or 8-bit runtime matrix.
    public init(_ m: PackedCodeMatrix) {
        self.init(rows: m.rows, cols: m.cols, bits: m.bits, groupSize: m.groupSize, codes: m.codes(), zeros: m.rowZeros(),
                  scales: m.rowScales(), gIdx: m.groupIndex)
    }

    /// Little-endian bytes of 32-bit words.
    public static func bytes(_ words: [UInt32]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 4 * words.count)
        out.withUnsafeMutableBytes { d in for (i, w) in words.enumerated() { d.storeBytes(of: w.littleEndian, toByteOffset: 4 * i, as: UInt32.self) } }
        return out
    }

    /// Little-endian bytes of 16-bit values.
    public static func bytes(_ halves: [UInt16]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 2 * halves.count)
        out.withUnsafeMutableBytes { d in for (i, w) in halves.enumerated() { d.storeBytes(of: w.littleEndian, toByteOffset: 2 * i, as: UInt16.self) } }
        return out
    }

    /// Writes the tensors of module `module` (`.qweight`, `.qzeros`, `.scales`, `.g_idx` when act-order).
    public func add(to writer: inout SafeTensorsWriter, module: String) throws(FormatError) {
        try writer.addRaw("\(module).qweight", bytes: Self.bytes(qweight), dtype: .i32, shape: qweightShape)
        try writer.addRaw("\(module).qzeros", bytes: Self.bytes(qzeros), dtype: .i32, shape: qzerosShape)
        try writer.addRaw("\(module).scales", bytes: Self.bytes(scales), dtype: .f16, shape: scalesShape)
        if let g = gIdx {
            try writer.addRaw("\(module).g_idx", bytes: Self.bytes(g.map { UInt32(bitPattern: $0) }), dtype: .i32, shape: [cols])
        }
    }

    /// The group size that gives `groups` groups over `cols` inputs: `cols` for one group, else the power of two
    /// p ≥ 8 with ⌈cols / p⌉ = groups (unique when groups > 1); nil when none does.
    public static func inferGroupSize(cols: Int, groups: Int) -> Int? {
        if groups == 1 { return cols }
        var p = 8
        while p < cols {
            if (cols + p - 1) / p == groups { return p }
            p *= 2
        }
        return nil
    }
}

extension GPTQPackedTensors {
    /// The width of a quantized folder's packed linears: its config.json's `quantization.bits` (as
    /// `QuantizedModelWriter` writes it), 4 when the config has no `quantization` object.
    /// - Throws: ``RuntimeError/invalidInput(argument:reason:)`` naming `config.json quantization.bits` when the
    ///   config cannot be read or parsed, or the bits are not 2, 3, 4 or 8.
    public static func bits(inFolder directory: URL) throws(RuntimeError) -> Int {
        let url = directory.appendingPathComponent("config.json"), argument = "\(url.path) quantization.bits"
        let json: JSONValue
        do { json = try JSONValue.parse(Data(contentsOf: url)) } catch {
            throw .invalidInput(argument: argument, reason: "cannot read config.json: \(error)")
        }
        guard let q = json["quantization"] else { return 4 }
        guard let bits = q["bits"]?.int, GPTQWordPacking.supportedBits.contains(bits) else {
            throw .invalidInput(argument: argument, reason: "\(q["bits"].map { "\($0)" } ?? "missing"), expected 2, 3, 4 or 8")
        }
        return bits
    }
}

/// The 8-bit token embedding of a quantized checkpoint (``BlockQ8Matrix``'s grid, GGUF Q8_0-like):
/// `<stem>.q8_codes` I8 rows × ⌈cols/32⌉·32 (zero-padded) and `<stem>.q8_scales` F16 rows × ⌈cols/32⌉, one
/// scale per block of 32 inputs, w = scale · code.
public enum Q8EmbeddingTensors {
    public static func add(_ m: BlockQ8Matrix, to writer: inout SafeTensorsWriter, stem: String) throws(FormatError) {
        try writer.addRaw("\(stem).q8_codes", bytes: m.signedCodes.map { UInt8(bitPattern: $0) }, dtype: .i8,
                          shape: [m.rows, m.fileBlocksPerRow * BlockQ8Matrix.blockSize])
        try writer.addRaw("\(stem).q8_scales", bytes: GPTQPackedTensors.bytes(m.fileScales), dtype: .f16,
                          shape: [m.rows, m.fileBlocksPerRow])
    }
}
