/// Why a tokenizer could not be built or could not encode/decode.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The tokenizer description (GGUF metadata or tokenizer.json) is missing or has a bad field.
    case invalid(source: String, field: String, reason: String)
    /// A token id outside the vocabulary.
    case unknownTokenID(Int)

    public var description: String {
        switch self {
        case let .invalid(source, field, reason): return "\(source): field '\(field)': \(reason)"
        case let .unknownTokenID(id): return "token id \(id) is outside the vocabulary"
        }
    }
}
