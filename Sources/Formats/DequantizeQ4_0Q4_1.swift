/// Q4_0 and Q4_1: blocks of 32 weights stored as 4-bit codes, two per byte.
/// Byte j holds element j in its low nibble and element j + 16 in its high nibble.
/// ```
/// Q4_0 (18 bytes): d (F16), qs[16]          x = (q − 8) · d
/// Q4_1 (20 bytes): d (F16), m (F16), qs[16] x = q · d + m
/// ```
extension Dequantize {
    static func q4_0_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 18, y = out + b * 32
            let d = f16(p, 0)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 2 + j, as: UInt8.self)
                y[j] = d * Float(Int(q & 0x0F) - 8)
                y[j + 16] = d * Float(Int(q >> 4) - 8)
            }
        }
    }

    static func q4_0_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        let eight = SIMD16<Float>(repeating: 8)
        for b in 0..<blocks {
            let p = src + b * 18, y = out + b * 32
            let d = SIMD16<Float>(repeating: f16(p, 0))
            let q = bytes16(p, 2)
            // q − 8 is a small integer, exact in Float either way.
            store(d * (float16(q & 0x0F) - eight), y, 0)
            store(d * (float16(q &>> 4) - eight), y, 16)
        }
    }

    static func q4_1_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 20, y = out + b * 32
            let d = f16(p, 0), m = f16(p, 2)
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                y[j] = d * Float(q & 0x0F) + m
                y[j + 16] = d * Float(q >> 4) + m
            }
        }
    }

    static func q4_1_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 20, y = out + b * 32
            let d = SIMD16<Float>(repeating: f16(p, 0)), m = SIMD16<Float>(repeating: f16(p, 2))
            let q = bytes16(p, 4)
            store(d * float16(q & 0x0F) + m, y, 0)
            store(d * float16(q &>> 4) + m, y, 16)
        }
    }
}
