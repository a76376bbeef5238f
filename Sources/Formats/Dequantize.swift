/// How a dequantization kernel is computed: the scalar reference or the SIMD path.
/// Both give bit-identical results (the SIMD path does the same float operations in the same order).
public enum DequantizeVariant: String, CaseIterable, Sendable {
    /// One element at a time, written to read like ggml's `dequantize_row_*`.
    case reference
    /// 16 elements at a time with `SIMD16<Float>`.
    case simd
}

/// Decoding of ggml block formats to Float.
///
/// A kernel takes a pointer to `blockCount` consecutive encoded blocks and writes
/// `blockCount · type.blockSize` Floats. The block layouts and the formulas live beside each kernel
/// (`DequantizeFloat.swift`, `DequantizeQ8_0.swift`, `DequantizeQ4_0Q4_1Q5_0Q5_1.swift`,
/// `DequantizeQ4_KQ5_K.swift`, `DequantizeQ6_K.swift`).
public enum Dequantize {
    /// (blocks, out, blockCount). `blocks` need not be aligned.
    public typealias Kernel = (_ blocks: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blockCount: Int) -> Void

    /// The kernel for `type`, or nil if the type cannot be decoded (see ``GGMLType/canDequantize``).
    public static func kernel(for type: GGMLType, variant: DequantizeVariant = .simd) -> Kernel? {
        let simd = variant == .simd
        switch type {
        case .f32: return simd ? f32_simd : f32_ref
        case .f16: return simd ? f16_simd : f16_ref
        case .bf16: return simd ? bf16_simd : bf16_ref
        case .q8_0: return simd ? q8_0_simd : q8_0_ref
        case .q4_0: return simd ? q4_0_simd : q4_0_ref
        case .q4_1: return simd ? q4_1_simd : q4_1_ref
        case .q5_0: return simd ? q5_0_simd : q5_0_ref
        case .q5_1: return simd ? q5_1_simd : q5_1_ref
        case .q4_K: return simd ? q4_K_simd : q4_K_ref
        case .q5_K: return simd ? q5_K_simd : q5_K_ref
        case .q6_K: return simd ? q6_K_simd : q6_K_ref
        default: return nil
        }
    }

    /// Decodes all of `blocks` (a whole number of `type` blocks) into `out` (exactly as many elements).
    public static func decode(_ type: GGMLType, _ blocks: UnsafeRawBufferPointer,
                              into out: UnsafeMutableBufferPointer<Float>,
                              variant: DequantizeVariant = .simd, file: String = "<memory>") throws(FormatError) {
        guard let kernel = kernel(for: type, variant: variant) else {
            throw FormatError.unsupported(file: file, field: "type", value: "\(type) (no dequantization kernel)")
        }
        let n = blocks.count / type.typeSize
        guard blocks.count % type.typeSize == 0, out.count == n * type.blockSize else {
            throw FormatError.invalid(file: file, field: "data",
                                      reason: "\(blocks.count) bytes of \(type) do not decode to \(out.count) elements")
        }
        guard n > 0, let src = blocks.baseAddress, let dst = out.baseAddress else { return }
        kernel(src, dst, n)
    }

    // MARK: Shared helpers

    @inline(__always) static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) static func u32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The F16 stored at `p + offset`, as Float.
    @inline(__always) static func f16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromF16: u16(p, offset))
    }

    /// The two F16 values at `p + offset` and `p + offset + 2`, as Floats (the same bits as ``f16(_:_:)``), for
    /// the scales of the SIMD paths.
    ///
    /// One 32-bit vector load (`vmovd`, which zeroes the rest of the register) and one vector conversion. The scalar
    /// conversion of ``f16(_:_:)`` loads the half with `vpinsrw`, which merges into whatever register it is given;
    /// when that register last held the previous block's result, every block waits for the previous one (a
    /// ≈ 12-cycle chain per block, which made Q8_0 1.6× slower than it needs to be). All four bytes must lie
    /// within the buffer; a kernel needing one scale uses the lane whose neighbour is inside its block.
    @inline(__always) static func f16Pair(_ p: UnsafeRawPointer, _ offset: Int) -> (Float, Float) {
        #if arch(x86_64) && os(macOS)
        return (f16(p, offset), f16(p, offset + 2))
        #else
        let h = p.loadUnaligned(fromByteOffset: offset, as: SIMD2<Float16>.self)
        let v = SIMD4<Float16>(h[0], h[1], 0, 0)
        var f = SIMD4<Float>()
        for k in 0..<4 { f[k] = Float(v[k]) }
        return (f[0], f[1])
        #endif
    }

    @inline(__always) static func bytes16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    }

    /// Unsigned bytes → Float lanes. (Written as a lane loop: LLVM turns it into vpmovzxbd + vcvtdq2ps,
    /// whereas the generic `SIMD16<Int32>(truncatingIfNeeded:)` conversion is scalarized.)
    @inline(__always) static func float16(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
        var f = SIMD16<Float>()
        for i in 0..<16 { f[i] = Float(v[i]) }
        return f
    }

    /// Signed bytes → Float lanes.
    @inline(__always) static func float16(_ v: SIMD16<Int8>) -> SIMD16<Float> {
        var f = SIMD16<Float>()
        for i in 0..<16 { f[i] = Float(v[i]) }
        return f
    }

    @inline(__always) static func store(_ v: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>, _ index: Int) {
        UnsafeMutableRawPointer(out + index).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}
