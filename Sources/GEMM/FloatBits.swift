/// Integer → Float conversions of SIMD lanes by bit patterns, for the GEMV kernels of the packed storages.
///
/// Swift's generic SIMD conversions (`SIMD16<Float>(SIMD16<Int32>)`, `SIMD16<Float>(SIMD16<Float16>)`) compile to one
/// scalar conversion per lane; these use only integer masks, shifts and one float subtraction or multiplication,
/// which compile to whole-vector instructions.
enum FloatBits {
    /// 2²³ as Float bits: a Float with this exponent has unit spacing, so OR-ing an integer u < 2²³ into its
    /// mantissa gives exactly 2²³ + u.
    static let magic: UInt32 = 0x4B00_0000
    static let magicValue: Float = 8_388_608

    /// Float(u) − offset for lanes u < 2²³, exactly when offset is an integer of the same order:
    ///
    ///     bits(2²³) | u  =  bits(2²³ + u)      ⇒   (2²³ + u) − (2²³ + c) = u − c
    ///
    /// `biasedOffset` = 2²³ + c.
    @inline(__always) static func float(_ u: SIMD16<UInt32>, minus biasedOffset: SIMD16<Float>) -> SIMD16<Float> {
        unsafeBitCast(u | SIMD16<UInt32>(repeating: magic), to: SIMD16<Float>.self) - biasedOffset
    }

    /// The two IEEE halves packed in each lane, as Floats: (low halves, high halves). Exact for every finite half,
    /// subnormals included: the half's exponent and mantissa bits, placed at a Float's, read as the half's value
    /// times 2⁻¹¹², and the multiplication by 2¹¹² restores it. Infinities and NaNs do not survive (they become
    /// large finite values): a weight beyond the half range (±65504) has no business in an f16 matrix.
    @inline(__always) static func halves(_ w: SIMD16<UInt32>) -> (SIMD16<Float>, SIMD16<Float>) {
        // A half in the top 16 bits of a lane, shifted right arithmetically by 3, has its sign copied into bits
        // 28…31 and its exponent and mantissa at a Float's bits 13…27; the mask keeps bit 31 and bits 13…27.
        let keep = SIMD16<Int32>(repeating: Int32(bitPattern: 0x8FFF_E000))
        let lo = (SIMD16<Int32>(truncatingIfNeeded: w &<< 16) &>> 3) & keep
        let hi = (SIMD16<Int32>(truncatingIfNeeded: w) &>> 3) & keep
        let scale = SIMD16<Float>(repeating: 0x1p112)
        return (unsafeBitCast(lo, to: SIMD16<Float>.self) * scale, unsafeBitCast(hi, to: SIMD16<Float>.self) * scale)
    }

    /// The two bfloat16 values packed in each lane, as Floats (low halves, high halves): a shift and a mask.
    @inline(__always) static func bfloatHalves(_ w: SIMD16<UInt32>) -> (SIMD16<Float>, SIMD16<Float>) {
        (unsafeBitCast(w &<< 16, to: SIMD16<Float>.self),
         unsafeBitCast(w & SIMD16<UInt32>(repeating: 0xFFFF_0000), to: SIMD16<Float>.self))
    }
}

/// Σ of the 16 lanes by a tree of vector additions (16 → 8 → 4 → 2 → 1): four dependent adds where
/// `SIMD.sum()` chains fifteen scalar ones.
@inline(__always) func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    let c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}

/// Σ of the 8 lanes by a tree of vector additions (8 → 4 → 2 → 1).
@inline(__always) func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    return b[0] + b[1]
}
