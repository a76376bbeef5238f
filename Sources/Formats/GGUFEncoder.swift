/// The byte encoding of GGUF's header fields, appended to a growing buffer (the inverse of ``GGUFFile``'s parser).
///
/// Little-endian throughout:
/// ```
/// integer / float   its little-endian bytes (bool: one byte, 0 or 1; floats: their IEEE bit pattern)
/// string            u64 byte count, then the UTF-8 bytes (no terminator)
/// array             u32 element type, u64 count, then the elements (no per-element type tags)
/// key-value pair    string key, u32 value type, value
/// tensor info       string name, u32 n_dims, n_dims × u64 dim (fastest first), u32 ggml type, u64 offset
/// ```
/// The encoder checks nothing: it writes exactly the fields it is given, so tests can also build invalid files.
/// ``GGUFWriter`` validates before it encodes.
public struct GGUFEncoder: Sendable {
    /// Everything appended so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The number of bytes appended so far (the position the next field starts at).
    public var count: Int { bytes.count }

    /// Appends the little-endian bytes of `value`.
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes.
    public mutating func append<S: Sequence>(contentsOf raw: S) where S.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    /// Appends a GGUF string: u64 byte count, then its UTF-8 bytes.
    public mutating func append(string: String) {
        append(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }

    /// Appends a value without its type tag (an array: element type, count, elements).
    public mutating func append(value: GGUFValue) {
        switch value {
        case let .uint8(x): append(x)
        case let .int8(x): append(x)
        case let .uint16(x): append(x)
        case let .int16(x): append(x)
        case let .uint32(x): append(x)
        case let .int32(x): append(x)
        case let .uint64(x): append(x)
        case let .int64(x): append(x)
        case let .float32(x): append(x.bitPattern)
        case let .float64(x): append(x.bitPattern)
        case let .bool(x): append(UInt8(x ? 1 : 0))
        case let .string(s): append(string: s)
        case let .array(elementType, values):
            append(elementType.rawValue)
            append(UInt64(values.count))
            for v in values { append(value: v) }
        }
    }

    /// Appends one metadata pair: key, value type, value.
    public mutating func append(key: String, value: GGUFValue) {
        append(string: key)
        append(value.type.rawValue)
        append(value: value)
    }

    /// Appends one tensor info: name, n_dims, dims (fastest first), ggml type, offset in the data section.
    public mutating func append(tensor name: String, dims: [Int], type: GGMLType, offset: Int) {
        append(string: name)
        append(UInt32(dims.count))
        for d in dims { append(UInt64(d)) }
        append(type.rawValue)
        append(UInt64(offset))
    }

    /// Appends zero bytes until `count` is a multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        let n = (alignment - count % alignment) % alignment
        bytes.append(contentsOf: repeatElement(0, count: n))
    }
}
