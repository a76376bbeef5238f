/// Conversions between Float and the 16-bit formats stored in model files.
///
/// IEEE half (F16): 1 sign, 5 exponent, 10 mantissa bits. bfloat16 (BF16): the top 16 bits of a Float.
/// Widening is exact; narrowing rounds to nearest, ties to even (as PyTorch and ggml do).
enum HalfPrecision {
    /// F16 bits → Float (exact).
    @inline(__always) static func float(fromF16 bits: UInt16) -> Float {
        #if arch(x86_64) && os(macOS)
        return softFloat(fromF16: bits)
        #else
        return Float(Float16(bitPattern: bits))
        #endif
    }

    /// BF16 bits → Float (exact): the bits become the high half of the Float.
    @inline(__always) static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float → F16 bits, rounding to nearest even (overflow → ±∞, NaN stays NaN).
    @inline(__always) static func f16Bits(_ x: Float) -> UInt16 {
        #if arch(x86_64) && os(macOS)
        return softF16Bits(x)
        #else
        return Float16(x).bitPattern
        #endif
    }

    /// Float → BF16 bits, rounding to nearest even; NaN becomes the quiet NaN 0x7FC0 (sign kept).
    @inline(__always) static func bf16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: (b >> 16) | 0x0040) }
        let rounded = b &+ 0x7FFF &+ ((b >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// F16 → Float by bit manipulation (for targets without `Float16`).
    static func softFloat(fromF16 h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        var mant = UInt32(h & 0x3FF)
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13) | (mant != 0 ? 0x40_0000 : 0)) }
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // Subnormal: value = mant · 2⁻²⁴; normalize.
            var e = -14
            while mant & 0x400 == 0 { mant <<= 1; e -= 1 }
            mant &= 0x3FF
            return Float(bitPattern: sign | UInt32(e + 127) << 23 | (mant << 13))
        }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }

    /// Float → F16 bits by bit manipulation, round to nearest even.
    static func softF16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xFF)
        let mant = b & 0x7F_FFFF
        if exp == 0xFF { return sign | 0x7C00 | (mant != 0 ? 0x200 | UInt16(mant >> 13) : 0) }
        let e = exp - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            let m = mant | 0x80_0000
            let shift = UInt32(14 - e)
            var r = m >> shift
            let rem = m & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && r & 1 == 1) { r += 1 }
            return sign | UInt16(r)
        }
        var r = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && r & 1 == 1) { r += 1 }
        return sign | UInt16(r)
    }
}
