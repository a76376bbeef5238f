/// Why a file could not be read or written. Every case names the file and, where there is one, the field.
public enum FormatError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or written at all.
    case io(file: String, reason: String)
    /// A structural problem with a named field (bad magic, truncated header, offset past end, …).
    case invalid(file: String, field: String, reason: String)
    /// A value the toolkit does not support (an unknown quantization type, a big-endian array, …).
    case unsupported(file: String, field: String, value: String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "\(file): \(reason)"
        case let .invalid(file, field, reason): return "\(file): field '\(field)': \(reason)"
        case let .unsupported(file, field, value): return "\(file): field '\(field)': unsupported value \(value)"
        }
    }
}
