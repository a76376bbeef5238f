/// Plain floating-point "blocks" of one element: F32 (copy), F16 (IEEE half) and BF16 (upper half of a Float).
extension Dequantize {
    static func f32_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    /// The SIMD paths of the element types take 32 elements (two 16-lane vectors) per step, as many independent
    /// loads and stores as LLVM's unrolled auto-vectorization of the `_ref` loops. (`copyMemory`, i.e. memmove,
    /// was ≈ 25% slower on cache-resident tensors.)
    static func f32_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 32 <= n {
            let a = src.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            let b = src.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
            store(a, out, i)
            store(b, out, i + 16)
            i += 32
        }
        while i < n {
            out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            i += 1
        }
    }

    static func f16_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = f16(src, 2 * i) }
    }

    static func f16_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        #if !(arch(x86_64) && os(macOS))
        @inline(__always) func widen(_ h: SIMD16<Float16>) -> SIMD16<Float> {
            var f = SIMD16<Float>()
            for k in 0..<16 { f[k] = Float(h[k]) }
            return f
        }
        while i + 32 <= n {
            let a = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<Float16>.self)
            let b = src.loadUnaligned(fromByteOffset: 2 * i + 32, as: SIMD16<Float16>.self)
            store(widen(a), out, i)
            store(widen(b), out, i + 16)
            i += 32
        }
        #endif
        while i < n { out[i] = f16(src, 2 * i); i += 1 }
    }

    static func bf16_ref(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = HalfPrecision.float(fromBF16: u16(src, 2 * i)) }
    }

    static func bf16_simd(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        @inline(__always) func widen(_ h: SIMD16<UInt16>) -> SIMD16<Float> {
            var w = SIMD16<UInt32>()
            for k in 0..<16 { w[k] = UInt32(h[k]) &<< 16 }
            return unsafeBitCast(w, to: SIMD16<Float>.self)
        }
        while i + 32 <= n {
            let a = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            let b = src.loadUnaligned(fromByteOffset: 2 * i + 32, as: SIMD16<UInt16>.self)
            store(widen(a), out, i)
            store(widen(b), out, i + 16)
            i += 32
        }
        while i < n { out[i] = HalfPrecision.float(fromBF16: u16(src, 2 * i)); i += 1 }
    }
}
