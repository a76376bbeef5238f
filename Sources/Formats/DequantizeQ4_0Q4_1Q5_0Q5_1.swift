/// Q4_0, Q4_1, Q5_0 and Q5_1: blocks of 32 weights with 4- or 5-bit codes and one F16 scale d
/// (the `_1` types add an F16 offset m).
/// ```
/// Q4_0 (18 bytes): d, qs[16]              x = (q − 8) · d
/// Q4_1 (20 bytes): d, m, qs[16]           x = q · d + m
/// Q5_0 (22 bytes): d, qh (u32), qs[16]    x = (q − 16) · d
/// Q5_1 (24 bytes): d, m, qh (u32), qs[16] x = q · d + m
/// ```
/// The low 4 bits are packed two per byte: byte j of qs holds element j in its low nibble and element
/// j + 16 in its high nibble. In the Q5 types bit 4 of element i is bit i of the little-endian u32 `qh`.
extension Dequantize {
    /// Which of the four layouts a 32-weight block has.
    struct Block32Layout {
        /// `_1` types: `x = q · d + m`; `_0` types: `x = (q − zero) · d`.
        var hasMin: Bool
        /// Q5 types: a fifth bit per weight in `qh`.
        var hasFifthBit: Bool

        @inline(__always) var bytes: Int { 18 + (hasMin ? 2 : 0) + (hasFifthBit ? 4 : 0) }
        @inline(__always) var qhOffset: Int { hasMin ? 4 : 2 }
        @inline(__always) var qsOffset: Int { bytes - 16 }
        /// The code of weight 0 in the `_0` types (the middle of the code range).
        @inline(__always) var zero: Int { hasFifthBit ? 16 : 8 }

        static let q4_0 = Block32Layout(hasMin: false, hasFifthBit: false)
        static let q4_1 = Block32Layout(hasMin: true, hasFifthBit: false)
        static let q5_0 = Block32Layout(hasMin: false, hasFifthBit: true)
        static let q5_1 = Block32Layout(hasMin: true, hasFifthBit: true)
    }

    static func q4_0_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_ref(src, out, blocks, .q4_0)
    }

    static func q4_0_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_simd(src, out, blocks, .q4_0)
    }

    static func q4_1_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_ref(src, out, blocks, .q4_1)
    }

    static func q4_1_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_simd(src, out, blocks, .q4_1)
    }

    static func q5_0_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_ref(src, out, blocks, .q5_0)
    }

    static func q5_0_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_simd(src, out, blocks, .q5_0)
    }

    static func q5_1_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_ref(src, out, blocks, .q5_1)
    }

    static func q5_1_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        block32_simd(src, out, blocks, .q5_1)
    }

    /// One element at a time. Always inlined into the entry points, so the constant layout removes the
    /// branches. (q − zero is a small integer, exact in Float.)
    @inline(__always) static func block32_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>,
                                              _ blocks: Int, _ layout: Block32Layout) {
        for b in 0..<blocks {
            let p = src + b * layout.bytes, y = out + b * 32
            let d = f16(p, 0)
            let m = layout.hasMin ? f16(p, 2) : 0
            let qh = layout.hasFifthBit ? u32(p, layout.qhOffset) : 0
            for j in 0..<16 {
                let q = p.load(fromByteOffset: layout.qsOffset + j, as: UInt8.self)
                var lo = Int(q & 0x0F), hi = Int(q >> 4)
                if layout.hasFifthBit {
                    lo |= Int((qh >> UInt32(j)) & 1) << 4
                    hi |= Int((qh >> UInt32(j + 16)) & 1) << 4
                }
                if layout.hasMin {
                    y[j] = d * Float(lo) + m
                    y[j + 16] = d * Float(hi) + m
                } else {
                    y[j] = d * Float(lo - layout.zero)
                    y[j + 16] = d * Float(hi - layout.zero)
                }
            }
        }
    }

    /// Bit 4 of elements 0..<16 (`shift` 0) or 16..<32 (`shift` 16), as 0 or 16 per lane.
    /// Lane i tests bit i % 8 of byte i / 8 of `qh >> shift` (a byte compare, which vectorizes well).
    @inline(__always) static func q5HighBits(_ qh: UInt32, shift: UInt32) -> SIMD16<UInt8> {
        let x = qh >> shift
        let v = SIMD16<UInt8>(lowHalf: SIMD8(repeating: UInt8(truncatingIfNeeded: x)),
                              highHalf: SIMD8(repeating: UInt8(truncatingIfNeeded: x >> 8)))
        let m = SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        return SIMD16<UInt8>(repeating: 0).replacing(with: 16, where: v & m .== m)
    }

    /// 16 elements at a time; the same float operations as `block32_ref`.
    @inline(__always) static func block32_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>,
                                               _ blocks: Int, _ layout: Block32Layout) {
        let zero = SIMD16<Float>(repeating: Float(layout.zero))
        for b in 0..<blocks {
            let p = src + b * layout.bytes, y = out + b * 32
            // d, and m in the `_1` types. Q4_0 converts d alone: there LLVM splits the 16-byte load of qs (bytes
            // 2..<18) into pieces around the 4-byte scale load it overlaps (measured 1.4× slower).
            let (scale, offset) = layout.hasMin || layout.hasFifthBit ? f16Pair(p, 0) : (f16(p, 0), 0)
            let d = SIMD16<Float>(repeating: scale)
            let q = bytes16(p, layout.qsOffset)
            var lo = q & 0x0F, hi = q &>> 4
            if layout.hasFifthBit {
                let qh = u32(p, layout.qhOffset)
                lo |= q5HighBits(qh, shift: 0)
                hi |= q5HighBits(qh, shift: 16)
            }
            if layout.hasMin {
                let m = SIMD16<Float>(repeating: offset)
                store(d * float16(lo) + m, y, 0)
                store(d * float16(hi) + m, y, 16)
            } else {
                store(d * (float16(lo) - zero), y, 0)
                store(d * (float16(hi) - zero), y, 16)
            }
        }
    }
}
