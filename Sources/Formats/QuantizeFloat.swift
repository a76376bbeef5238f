/// Plain floating-point "blocks" of one element: F32 (the bits as they are), F16 (IEEE half) and BF16 (upper half
/// of a Float), both narrowed by rounding to nearest, ties to even (``HalfPrecision``).
extension Quantize {
    static func f32(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, _ n: Int) {
        for i in 0..<n { out.storeBytes(of: x[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
    }

    static func f16(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, _ n: Int) {
        for i in 0..<n { store(HalfPrecision.f16Bits(x[i]), out, 2 * i) }
    }

    static func bf16(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, _ n: Int) {
        for i in 0..<n { store(HalfPrecision.bf16Bits(x[i]), out, 2 * i) }
    }
}
