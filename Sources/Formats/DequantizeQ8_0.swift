/// Q8_0: blocks of 32 weights, 34 bytes.
/// ```
/// offset 0: d (F16)   offset 2: q[32] (Int8)
/// x[i] = q[i] · d
/// ```
extension Dequantize {
    static func q8_0_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 34, y = out + b * 32
            let d = f16(p, 0)
            for i in 0..<32 { y[i] = Float(p.load(fromByteOffset: 2 + i, as: Int8.self)) * d }
        }
    }

    static func q8_0_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0..<blocks {
            let p = src + b * 34, y = out + b * 32
            let d = SIMD16<Float>(repeating: f16Pair(p, 0).0)
            let q0 = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)
            let q1 = p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)
            store(float16(q0) * d, y, 0)
            store(float16(q1) * d, y, 16)
        }
    }
}
