/// What can go wrong while compressing a model; every case names the argument, file, layer or matrix.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
    /// An argument or option field out of range (`ratio: 1.2`, `sampleCount: 0`, …), named as the API names it.
    case invalidArgument(name: String, reason: String)
    /// The calibration text is too short to cut a window from.
    case calibrationTooShort(characters: Int, needed: Int)
    /// The update text has too few tokens to cut a window of `seqlen` + 1 from (``TokenWindowSampler``).
    case updateTextTooShort(tokens: Int, needed: Int)
    /// The ratio leaves no singular triplet for a matrix (r = ⌊mn(1−R)/(m+n)⌋ = 0).
    case rankZero(layer: Int, name: String, rows: Int, cols: Int, ratio: Double)
    /// A weight (or a Gram matrix) holds NaN or ±Inf.
    case nonFinite(layer: Int, name: String, what: String)
    /// A numerical step failed (SVD non-convergence, a singular least-squares system, …).
    case numerical(layer: Int, name: String, reason: String)
    /// Reading or writing a file failed; nothing already written was lost.
    case io(path: String, reason: String)
    /// A resume folder or profile cache does not belong to this run.
    case mismatch(path: String, reason: String)
    /// The model has no linear layers this method can compress, or an unsupported architecture for saving.
    case unsupported(what: String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, reason): return "invalid `\(name)`: \(reason)"
        case let .calibrationTooShort(characters, needed):
            return "calibration text too short: \(characters) characters, a window needs \(needed)"
        case let .updateTextTooShort(tokens, needed):
            return "update text too short: \(tokens) tokens, a window needs \(needed)"
        case let .rankZero(layer, name, rows, cols, ratio):
            return "ratio \(ratio) leaves rank 0 for layer \(layer) \(name) (\(rows)×\(cols)); use a smaller `ratio`"
        case let .nonFinite(layer, name, what): return "layer \(layer) \(name): \(what) holds NaN or Inf"
        case let .numerical(layer, name, reason): return "layer \(layer) \(name): \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .mismatch(path, reason): return "\(path): \(reason)"
        case let .unsupported(what): return "unsupported: \(what)"
        }
    }
}
