/// The element types our kernels compute in: `Float` and `Double`.
///
/// Each scalar names the SIMD vector types its kernels use, so generic code can be written once and
/// specialized by the optimizer for both precisions.
public protocol LinalgScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// A short name for reports and JSON: `"f32"` or `"f64"`.
    static var dtypeName: String { get }
    /// Unit roundoff·2 (the distance from 1 to the next larger number), as a Double.
    static var machineEpsilon: Double { get }
    /// Converts from Double (rounding to nearest).
    init(_ value: Double)
    /// This value as Double (exact).
    var asDouble: Double { get }
}

extension Float: LinalgScalar {
    public static var dtypeName: String { "f32" }
    public static var machineEpsilon: Double { Double(Float.ulpOfOne) }
    @inlinable public var asDouble: Double { Double(self) }
}

extension Double: LinalgScalar {
    public static var dtypeName: String { "f64" }
    public static var machineEpsilon: Double { Double.ulpOfOne }
    @inlinable public var asDouble: Double { self }
}
