import LinearAlgebraCore

/// The contents of a `.npy` file in the precision it was stored in.
public enum NPYArray: Sendable, Equatable {
    case float32(Matrix<Float>)
    case float64(Matrix<Double>)

    public var dtype: NPYDType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        }
    }

    public var rows: Int {
        switch self {
        case let .float32(m): return m.rows
        case let .float64(m): return m.rows
        }
    }

    public var cols: Int {
        switch self {
        case let .float32(m): return m.cols
        case let .float64(m): return m.cols
        }
    }

    /// The matrix in precision `T`: the stored one when it matches, else converted element by element
    /// (Double → Float rounds to nearest; Float → Double is exact).
    public func matrix<T: LinalgScalar>(as _: T.Type = T.self) -> Matrix<T> {
        switch self {
        case let .float32(m): return (m as? Matrix<T>) ?? m.converted(to: T.self)
        case let .float64(m): return (m as? Matrix<T>) ?? m.converted(to: T.self)
        }
    }
}
