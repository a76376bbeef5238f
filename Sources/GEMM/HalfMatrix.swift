import LinearAlgebraCore

/// A rows × cols matrix of 16-bit floats, row-major: IEEE half (``Format/f16``) or bfloat16 (``Format/bf16``).
///
/// Widening to Float is exact in both formats; narrowing (``init(_:format:)``) rounds to nearest, ties to even.
public struct HalfMatrix: Sendable, Equatable {
    public enum Format: String, Sendable { case f16, bf16 }

    public let rows: Int
    public let cols: Int
    public let format: Format
    /// rows × cols bit patterns.
    public var bits: [UInt16]

    public init(rows: Int, cols: Int, format: Format, bits: [UInt16]) {
        precondition(bits.count == rows * cols, "HalfMatrix: \(bits.count) values for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.format = format
        self.bits = bits
    }

    /// Each element of `m` rounded to the format.
    public init(_ m: Matrix<Float>, format: Format) {
        let bits: [UInt16]
        switch format {
        case .f16: bits = m.elements.map { Float16($0).bitPattern }
        case .bf16: bits = m.elements.map(HalfMatrix.bf16Bits)
        }
        self.init(rows: m.rows, cols: m.cols, format: format, bits: bits)
    }

    /// Float → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN.
    @inlinable static func bf16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: (b >> 16) | 0x0040) }
        return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
    }

    /// One element widened to Float.
    @inline(__always) func float(_ bits: UInt16) -> Float {
        switch format {
        case .f16: return Float(Float16(bitPattern: bits))
        case .bf16: return Float(bitPattern: UInt32(bits) << 16)
        }
    }

    /// Rows `rows` widened into `out` (rows.count × cols, row stride `ld`).
    func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        bits.withUnsafeBufferPointer { b in
            for (r, i) in rows.enumerated() {
                let src = b.baseAddress! + i * cols, dst = out + r * ld
                switch format {
                case .f16: halfRowToFloat(src, dst, count: cols)
                case .bf16: bfloatRowToFloat(src, dst, count: cols)
                }
            }
        }
    }

    public var byteCount: Int { bits.count * 2 }
}

/// dst[i] = Float(f16 src[i]), 16 at a time (vcvtph2ps on F16C/AVX-512 targets).
@inline(__always) func halfRowToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let h = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float16>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD16<Float>(h), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n { dst[i] = Float(Float16(bitPattern: src[i])); i += 1 }
}

/// dst[i] = Float(bf16 src[i]): the bits shifted into the high half.
@inline(__always) func bfloatRowToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let h = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<UInt16>.self)
        let w = SIMD16<UInt32>(truncatingIfNeeded: h) &<< 16
        UnsafeMutableRawPointer(dst + i).storeBytes(of: unsafeBitCast(w, to: SIMD16<Float>.self), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n { dst[i] = Float(bitPattern: UInt32(src[i]) << 16); i += 1 }
}
