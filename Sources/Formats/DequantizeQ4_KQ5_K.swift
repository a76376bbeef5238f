/// Q4_K and Q5_K: super-blocks of 256 weights made of 8 sub-blocks of 32 with 6-bit scales and mins;
/// Q5_K is Q4_K plus a fifth bit per weight.
/// ```
/// Q4_K (144 bytes): 0: d (F16)  2: dmin (F16)  4: scales[12]  16: qs[128]
/// Q5_K (176 bytes): 0: d (F16)  2: dmin (F16)  4: scales[12]  16: qh[32]  48: qs[128]
/// ```
/// `scales` packs 8 × (6-bit scale, 6-bit min), see ``kScaleMin(_:_:)``. Sub-block pair c (elements
/// 64c ..< 64c + 64) uses bytes qs[32c ..< 32c + 32]: the low nibbles are sub-block 2c, the high nibbles
/// sub-block 2c + 1. In Q5_K the fifth bit h of element l of sub-block s is bit s of qh[l] (h = 0 in Q4_K).
/// For sub-block s with (sc, m) = scaleMin(s): `x = (d · sc) · (q + 16·h) − (dmin · m)`.
extension Dequantize {
    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `s` (ggml's
    /// `get_scale_min_k4`):
    /// j < 4: sc = s[j] & 63, m = s[j+4] & 63;
    /// j ≥ 4: sc = (s[j+4] & 15) | (s[j−4] >> 6) << 4, m = (s[j+4] >> 4) | (s[j] >> 6) << 4.
    @inline(__always) static func kScaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        @inline(__always) func at(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (at(j) & 63, at(j + 4) & 63) }
        return ((at(j + 4) & 0x0F) | (at(j - 4) >> 6) << 4, (at(j + 4) >> 4) | (at(j) >> 6) << 4)
    }

    /// The factors of sub-block pair `c` of the super-block at `p` (whose d and dmin are given): sub-block
    /// 2c is `d1 · q − min1`, sub-block 2c + 1 is `d2 · q − min2`.
    @inline(__always) static func kPairFactors(_ p: UnsafeRawPointer, _ c: Int, d: Float, dmin: Float)
        -> (d1: Float, min1: Float, d2: Float, min2: Float) {
        let (sc1, m1) = kScaleMin(p + 4, 2 * c), (sc2, m2) = kScaleMin(p + 4, 2 * c + 1)
        return (d * Float(sc1), dmin * Float(m1), d * Float(sc2), dmin * Float(m2))
    }

    static func q4_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        q45_K_ref(src, out, blocks, fifthBit: false)
    }

    static func q4_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        q45_K_simd(src, out, blocks, fifthBit: false)
    }

    static func q5_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        q45_K_ref(src, out, blocks, fifthBit: true)
    }

    static func q5_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        q45_K_simd(src, out, blocks, fifthBit: true)
    }

    /// Q4_K (`fifthBit` false) or Q5_K, one element at a time. Always inlined into the two entry points, so
    /// the constant `fifthBit` removes the branches.
    @inline(__always) static func q45_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int,
                                            fifthBit: Bool) {
        let blockBytes = fifthBit ? 176 : 144, qs = fifthBit ? 48 : 16
        for b in 0..<blocks {
            let p = src + b * blockBytes, y = out + b * 256
            let d = f16(p, 0), dmin = f16(p, 2)
            for c in 0..<4 {
                let (d1, min1, d2, min2) = kPairFactors(p, c, d: d, dmin: dmin)
                for l in 0..<32 {
                    let q = p.load(fromByteOffset: qs + 32 * c + l, as: UInt8.self)
                    var lo = q & 0x0F, hi = q >> 4
                    if fifthBit {
                        let h = p.load(fromByteOffset: 16 + l, as: UInt8.self)
                        lo |= ((h >> UInt8(2 * c)) & 1) << 4
                        hi |= ((h >> UInt8(2 * c + 1)) & 1) << 4
                    }
                    y[64 * c + l] = d1 * Float(lo) - min1
                    y[64 * c + 32 + l] = d2 * Float(hi) - min2
                }
            }
        }
    }

    /// Q4_K (`fifthBit` false) or Q5_K, 16 elements at a time; the same float operations as `q45_K_ref`.
    @inline(__always) static func q45_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int,
                                             fifthBit: Bool) {
        let blockBytes = fifthBit ? 176 : 144, qs = fifthBit ? 48 : 16
        let one = SIMD16<UInt8>(repeating: 1)
        for b in 0..<blocks {
            let p = src + b * blockBytes, y = out + b * 256
            // qh bytes of elements l = 0..<16 and 16..<32 (unused for Q4_K).
            let ha = fifthBit ? bytes16(p, 16) : SIMD16(), hb = fifthBit ? bytes16(p, 32) : SIMD16()
            let (d, dmin) = f16Pair(p, 0)
            for c in 0..<4 {
                let (f1, g1, f2, g2) = kPairFactors(p, c, d: d, dmin: dmin)
                let d1 = SIMD16<Float>(repeating: f1), min1 = SIMD16<Float>(repeating: g1)
                let d2 = SIMD16<Float>(repeating: f2), min2 = SIMD16<Float>(repeating: g2)
                let qa = bytes16(p, qs + 32 * c), qb = bytes16(p, qs + 16 + 32 * c)
                var la = qa & 0x0F, lb = qb & 0x0F, ua = qa &>> 4, ub = qb &>> 4
                if fifthBit {
                    let s1 = UInt8(2 * c), s2 = UInt8(2 * c + 1)
                    la |= ((ha &>> s1) & one) &<< 4
                    lb |= ((hb &>> s1) & one) &<< 4
                    ua |= ((ha &>> s2) & one) &<< 4
                    ub |= ((hb &>> s2) & one) &<< 4
                }
                let o = 64 * c
                store(d1 * float16(la) - min1, y, o)
                store(d1 * float16(lb) - min1, y, o + 16)
                store(d2 * float16(ua) - min2, y, o + 32)
                store(d2 * float16(ub) - min2, y, o + 48)
            }
        }
    }
}
