import LinearAlgebraCore

/// The element types a `.npy` file may hold here: little-endian IEEE 754 binary32 and binary64.
///
/// The raw value is NumPy's `descr` string. Other dtypes (integers, big-endian, structured) are rejected
/// by ``NPYHeader`` with ``FormatError/unsupported(file:field:value:)`` naming `descr`.
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float64 = "<f8"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }

    /// The dtype that stores `T` without rounding.
    public init<T: LinalgScalar>(scalar _: T.Type) {
        switch MemoryLayout<T>.size {
        case 4: self = .float32
        case 8: self = .float64
        default: preconditionFailure("NPYDType: no .npy dtype for \(T.self)")
        }
    }
}
