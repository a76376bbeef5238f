/// Q6_K: super-blocks of 256 weights, 210 bytes, 16 sub-blocks of 16 with signed 8-bit scales.
/// ```
/// offset 0: ql[128] (low 4 bits)  128: qh[64] (high 2 bits)  192: scales[16] (Int8)  208: d (F16)
/// ```
/// Each half h (elements 128h ..< 128h + 128) uses ql[64h ..< 64h + 64], qh[32h ..< 32h + 32] and
/// scales[8h ..< 8h + 8]. For l < 32, with L = ql[64h + l], L' = ql[64h + 32 + l], H = qh[32h + l]:
/// ```
/// q[l]      = (L  & 15) | ((H >> 0) & 3) << 4     q[l + 32] = (L' & 15) | ((H >> 2) & 3) << 4
/// q[l + 64] = (L  >> 4) | ((H >> 4) & 3) << 4     q[l + 96] = (L' >> 4) | ((H >> 6) & 3) << 4
/// x[i] = (d · scale[i / 16]) · (q[i] − 32)
/// ```
extension Dequantize {
    static func q6_K_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 210
            let d = f16(p, 208)
            for h in 0..<2 {
                let ql = p + 64 * h, qh = p + 128 + 32 * h, sc = p + 192 + 8 * h, y = out + b * 256 + 128 * h
                for l in 0..<32 {
                    let lo = ql.load(fromByteOffset: l, as: UInt8.self)
                    let lo2 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let hi = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int((lo & 0x0F) | (hi & 3) << 4) - 32
                    let q2 = Int((lo2 & 0x0F) | ((hi >> 2) & 3) << 4) - 32
                    let q3 = Int((lo >> 4) | ((hi >> 4) & 3) << 4) - 32
                    let q4 = Int((lo2 >> 4) | ((hi >> 6) & 3) << 4) - 32
                    let s = l / 16
                    @inline(__always) func scale(_ k: Int) -> Float { d * Float(sc.load(fromByteOffset: k, as: Int8.self)) }
                    y[l] = scale(s) * Float(q1)
                    y[l + 32] = scale(s + 2) * Float(q2)
                    y[l + 64] = scale(s + 4) * Float(q3)
                    y[l + 96] = scale(s + 6) * Float(q4)
                }
            }
        }
    }

    static func q6_K_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        let three = SIMD16<UInt8>(repeating: 3), low = SIMD16<UInt8>(repeating: 0x0F)
        let bias = SIMD16<Float>(repeating: 32)
        for b in 0..<blocks {
            let p = src + b * 210
            let d = f16Pair(p, 206).1   // (scales[14…15] as F16 is not used)
            for h in 0..<2 {
                let y = out + b * 256 + 128 * h
                let sc = p + 192 + 8 * h
                // Two 16-lane groups g cover l = 16g ..< 16g + 16 (scale index s = g).
                for g in 0..<2 {
                    let lo = bytes16(p, 64 * h + 16 * g), lo2 = bytes16(p, 64 * h + 32 + 16 * g)
                    let hi = bytes16(p, 128 + 32 * h + 16 * g)
                    @inline(__always) func scale(_ k: Int) -> SIMD16<Float> {
                        SIMD16<Float>(repeating: d * Float(sc.load(fromByteOffset: k, as: Int8.self)))
                    }
                    let q1 = (lo & low) | (hi & three) &<< 4
                    let q2 = (lo2 & low) | ((hi &>> 2) & three) &<< 4
                    let q3 = (lo &>> 4) | ((hi &>> 4) & three) &<< 4
                    let q4 = (lo2 &>> 4) | (hi &>> 6) &<< 4
                    // q − 32 is an exact small integer, so subtracting in Float matches the integer subtraction.
                    store(scale(g) * (float16(q1) - bias), y, 16 * g)
                    store(scale(g + 2) * (float16(q2) - bias), y, 32 + 16 * g)
                    store(scale(g + 4) * (float16(q3) - bias), y, 64 + 16 * g)
                    store(scale(g + 6) * (float16(q4) - bias), y, 96 + 16 * g)
                }
            }
        }
    }
}
