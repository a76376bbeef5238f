/// Why a tokenizer could not be built or could not encode/decode.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The tokenizer description (GGUF metadata or tokenizer.json) is missing or has a bad field.
    case invalid(source: String, field: String, reason: String)
    /// A field holds a value this toolkit does not implement (an unknown model type, pre-tokenizer, …).
    case unsupported(source: String, field: String, value: String)
    /// A token id outside the vocabulary.
    case unknownTokenID(Int)

    public var description: String {
        switch self {
        case let .invalid(source, field, reason): return "\(source): field '\(field)': \(reason)"
        case let .unsupported(source, field, value): return "\(source): field '\(field)': unsupported value \(value)"
        case let .unknownTokenID(id): return "token id \(id) is outside the vocabulary"
        }
    }
}
