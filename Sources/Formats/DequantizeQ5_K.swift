/// Q5_K: super-blocks of 256 weights, 176 bytes; Q4_K plus a fifth bit per weight.
/// ```
/// offset 0: d (F16)  2: dmin (F16)  4: scales[12] (as Q4_K)  16: qh[32]  48: qs[128]
/// ```
/// Sub-block pair c uses qs[32c ..< 32c + 32] (low nibbles: sub-block 2c, high: 2c + 1); the fifth bit of
/// element l of sub-block s is bit s of qh[l]. `x = (d · sc) · (q + 16·h) − (dmin · m)`.
extension Dequantize {
    static func q5_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 176, y = out + b * 256
            let d = f16(p, 0), dmin = f16(p, 2)
            for c in 0..<4 {
                let (sc1, m1) = kScaleMin(p + 4, 2 * c), (sc2, m2) = kScaleMin(p + 4, 2 * c + 1)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 {
                    let q = p.load(fromByteOffset: 48 + 32 * c + l, as: UInt8.self)
                    let h = p.load(fromByteOffset: 16 + l, as: UInt8.self)
                    let lo = (q & 0x0F) | ((h >> UInt8(2 * c)) & 1) << 4
                    let hi = (q >> 4) | ((h >> UInt8(2 * c + 1)) & 1) << 4
                    y[64 * c + l] = d1 * Float(lo) - min1
                    y[64 * c + 32 + l] = d2 * Float(hi) - min2
                }
            }
        }
    }

    static func q5_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        let one = SIMD16<UInt8>(repeating: 1)
        for b in 0..<blocks {
            let p = src + b * 176, y = out + b * 256
            let d = f16(p, 0), dmin = f16(p, 2)
            let ha = bytes16(p, 16), hb = bytes16(p, 32)
            for c in 0..<4 {
                let (sc1, m1) = kScaleMin(p + 4, 2 * c), (sc2, m2) = kScaleMin(p + 4, 2 * c + 1)
                let d1 = SIMD16<Float>(repeating: d * Float(sc1)), min1 = SIMD16<Float>(repeating: dmin * Float(m1))
                let d2 = SIMD16<Float>(repeating: d * Float(sc2)), min2 = SIMD16<Float>(repeating: dmin * Float(m2))
                let qa = bytes16(p, 48 + 32 * c), qb = bytes16(p, 64 + 32 * c)
                let s1 = UInt8(2 * c), s2 = UInt8(2 * c + 1)
                let o = 64 * c
                store(d1 * float16((qa & 0x0F) | ((ha &>> s1) & one) &<< 4) - min1, y, o)
                store(d1 * float16((qb & 0x0F) | ((hb &>> s1) & one) &<< 4) - min1, y, o + 16)
                store(d2 * float16((qa &>> 4) | ((ha &>> s2) & one) &<< 4) - min2, y, o + 32)
                store(d2 * float16((qb &>> 4) | ((hb &>> s2) & one) &<< 4) - min2, y, o + 48)
            }
        }
    }
}
