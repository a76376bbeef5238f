/// Q5_0 and Q5_1: blocks of 32 weights with 5-bit codes. The low 4 bits are packed two per byte as in
/// Q4_0 (byte j: element j low nibble, element j + 16 high nibble); bit 4 of element i is bit i of the
/// little-endian u32 `qh`.
/// ```
/// Q5_0 (22 bytes): d (F16), qh (u32), qs[16]          x = (q − 16) · d
/// Q5_1 (24 bytes): d (F16), m (F16), qh (u32), qs[16] x = q · d + m
/// ```
extension Dequantize {
    static func q5_0_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 22, y = out + b * 32
            let d = f16(p, 0), qh = u32(p, 2)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 6 + j, as: UInt8.self)
                let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float(lo - 16)
                y[j + 16] = d * Float(hi - 16)
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

    static func q5_0_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        let sixteen = SIMD16<Float>(repeating: 16)
        for b in 0..<blocks {
            let p = src + b * 22, y = out + b * 32
            let d = SIMD16<Float>(repeating: f16(p, 0)), qh = u32(p, 2)
            let q = bytes16(p, 6)
            store(d * (float16((q & 0x0F) | q5HighBits(qh, shift: 0)) - sixteen), y, 0)
            store(d * (float16((q &>> 4) | q5HighBits(qh, shift: 16)) - sixteen), y, 16)
        }
    }

    static func q5_1_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 24, y = out + b * 32
            let d = f16(p, 0), m = f16(p, 2), qh = u32(p, 4)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 8 + j, as: UInt8.self)
                let lo = UInt32(q & 0x0F) | ((qh >> UInt32(j)) & 1) << 4
                let hi = UInt32(q >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float(lo) + m
                y[j + 16] = d * Float(hi) + m
            }
        }
    }

    static func q5_1_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 24, y = out + b * 32
            let d = SIMD16<Float>(repeating: f16(p, 0)), m = SIMD16<Float>(repeating: f16(p, 2)), qh = u32(p, 4)
            let q = bytes16(p, 8)
            store(d * float16((q & 0x0F) | q5HighBits(qh, shift: 0)) + m, y, 0)
            store(d * float16((q &>> 4) | q5HighBits(qh, shift: 16)) + m, y, 16)
        }
    }
}
