/// Q4_K: super-blocks of 256 weights, 144 bytes, made of 8 sub-blocks of 32 with 6-bit scales and mins.
/// ```
/// offset 0: d (F16)  2: dmin (F16)  4: scales[12] (8 × (6-bit scale, 6-bit min), packed)  16: qs[128]
/// ```
/// Sub-block pair c (elements 64c ..< 64c + 64) uses bytes qs[32c ..< 32c + 32]: the low nibbles are
/// sub-block 2c, the high nibbles sub-block 2c + 1. For sub-block s with (sc, m) = scaleMin(s):
/// `x = (d · sc) · q − (dmin · m)`.
extension Dequantize {
    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `s`:
    /// j < 4: sc = s[j] & 63, m = s[j+4] & 63;
    /// j ≥ 4: sc = (s[j+4] & 15) | (s[j−4] >> 6) << 4, m = (s[j+4] >> 4) | (s[j] >> 6) << 4.
    @inline(__always) static func kScaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        @inline(__always) func at(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (at(j) & 63, at(j + 4) & 63) }
        return ((at(j + 4) & 0x0F) | (at(j - 4) >> 6) << 4, (at(j + 4) >> 4) | (at(j) >> 6) << 4)
    }

    static func q4_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 144, y = out + b * 256
            let d = f16(p, 0), dmin = f16(p, 2)
            for c in 0..<4 {
                let (sc1, m1) = kScaleMin(p + 4, 2 * c), (sc2, m2) = kScaleMin(p + 4, 2 * c + 1)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 {
                    let q = p.load(fromByteOffset: 16 + 32 * c + l, as: UInt8.self)
                    y[64 * c + l] = d1 * Float(q & 0x0F) - min1
                    y[64 * c + 32 + l] = d2 * Float(q >> 4) - min2
                }
            }
        }
    }

    static func q4_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 144, y = out + b * 256
            let d = f16(p, 0), dmin = f16(p, 2)
            for c in 0..<4 {
                let (sc1, m1) = kScaleMin(p + 4, 2 * c), (sc2, m2) = kScaleMin(p + 4, 2 * c + 1)
                let d1 = SIMD16<Float>(repeating: d * Float(sc1)), min1 = SIMD16<Float>(repeating: dmin * Float(m1))
                let d2 = SIMD16<Float>(repeating: d * Float(sc2)), min2 = SIMD16<Float>(repeating: dmin * Float(m2))
                let qa = bytes16(p, 16 + 32 * c), qb = bytes16(p, 32 + 32 * c)
                let o = 64 * c
                store(d1 * float16(qa & 0x0F) - min1, y, o)
                store(d1 * float16(qb & 0x0F) - min1, y, o + 16)
                store(d2 * float16(qa &>> 4) - min2, y, o + 32)
                store(d2 * float16(qb &>> 4) - min2, y, o + 48)
            }
        }
    }
}
