/// Plain floating-point "blocks" of one element: F32 (copy), F16 (IEEE half) and BF16 (upper half of a Float).
extension Dequantize {
    static func f32_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    static func f32_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: 4 * n)
    }

    static func f16_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = f16(src, 2 * i) }
    }

    static func f16_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        #if !(arch(x86_64) && os(macOS))
        while i + 16 <= n {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<Float16>.self)
            var f = SIMD16<Float>()
            for k in 0..<16 { f[k] = Float(h[k]) }
            store(f, out, i)
            i += 16
        }
        #endif
        while i < n { out[i] = f16(src, 2 * i); i += 1 }
    }

    static func bf16_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = HalfPrecision.float(fromBF16: u16(src, 2 * i)) }
    }

    static func bf16_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            var w = SIMD16<UInt32>()
            for k in 0..<16 { w[k] = UInt32(h[k]) &<< 16 }
            store(unsafeBitCast(w, to: SIMD16<Float>.self), out, i)
            i += 16
        }
        while i < n { out[i] = HalfPrecision.float(fromBF16: u16(src, 2 * i)); i += 1 }
    }
}
