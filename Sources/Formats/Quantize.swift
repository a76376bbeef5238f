/// Encoding of Float values into ggml's element and block formats — the inverse of ``Dequantize`` for the types
/// the toolkit writes: F32, F16, BF16 (`QuantizeFloat.swift`), Q8_0 (`QuantizeQ8_0.swift`) and Q4_0
/// (`QuantizeQ4_0.swift`). The block layouts and the formulas live beside each kernel.
///
/// A kernel reads `blockCount · type.blockSize` Floats and writes `blockCount` encoded blocks of `type.typeSize`
/// bytes each (little-endian, unaligned).
public enum Quantize {
    /// (values, blocks, blockCount). `blocks` need not be aligned.
    public typealias Kernel = (_ values: UnsafePointer<Float>, _ blocks: UnsafeMutableRawPointer, _ blockCount: Int) -> Void

    /// The types ``encode(_:_:into:file:)`` can write.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0]

    /// The kernel for `type`, or nil if the toolkit cannot encode it.
    public static func kernel(for type: GGMLType) -> Kernel? {
        switch type {
        case .f32: return f32
        case .f16: return f16
        case .bf16: return bf16
        case .q8_0: return q8_0
        case .q4_0: return q4_0
        default: return nil
        }
    }

    /// Encodes all of `values` (a whole number of `type` blocks) into `out` (exactly as many bytes as they take).
    public static func encode(_ type: GGMLType, _ values: UnsafeBufferPointer<Float>,
                              into out: UnsafeMutableRawBufferPointer, file: String = "<memory>") throws(FormatError) {
        guard let kernel = kernel(for: type) else {
            throw FormatError.unsupported(file: file, field: "type", value: "\(type) (no quantization kernel)")
        }
        let blocks = values.count / type.blockSize
        guard values.count % type.blockSize == 0, out.count == blocks * type.typeSize else {
            throw FormatError.invalid(file: file, field: "data",
                                      reason: "\(values.count) elements do not encode to \(out.count) bytes of \(type)")
        }
        guard blocks > 0, let src = values.baseAddress, let dst = out.baseAddress else { return }
        kernel(src, dst, blocks)
    }

    /// Stores `value` little-endian at `p + offset`.
    @inline(__always) static func store(_ value: UInt16, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
    }
}
