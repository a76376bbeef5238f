/// The type tag of a GGUF metadata value (`gguf_type`).
public enum GGUFValueType: UInt32, CaseIterable, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of a fixed-size value; nil for strings and arrays.
    var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value of this type can occupy (a string is at least its u64 length,
    /// an array at least its element type and count). Used to reject impossible counts before allocating.
    var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }
}

/// One GGUF metadata value.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    /// An array whose elements all have `elementType` (arrays may nest).
    case array(elementType: GGUFValueType, [GGUFValue])

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// Any integer value that fits in `Int`.
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(exactly: v)
        default: return nil
        }
    }

    /// Any numeric value (integers and floats) as Double.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        case let .uint64(v): return Double(v)
        case let .int64(v): return Double(v)
        default: return int.map(Double.init)
        }
    }

    public var bool: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    public var string: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case let .array(_, v) = self { return v }
        return nil
    }

    /// An array of strings.
    public var strings: [String]? {
        guard case let .array(t, v) = self, t == .string else { return nil }
        return v.compactMap(\.string)
    }

    /// An array of integers (every element must fit in `Int`).
    public var ints: [Int]? {
        guard let v = array else { return nil }
        var out = [Int]()
        out.reserveCapacity(v.count)
        for e in v {
            guard let i = e.int else { return nil }
            out.append(i)
        }
        return out
    }

    /// An array of numbers as Float.
    public var floats: [Float]? {
        guard let v = array else { return nil }
        var out = [Float]()
        out.reserveCapacity(v.count)
        for e in v {
            guard let d = e.double else { return nil }
            out.append(Float(d))
        }
        return out
    }
}
