/// Why fine-tuning could not start or go on; each case names the argument, file, line or field at fault.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The model has a part the training ops do not cover (OPT, logit soft-capping, learned positions, …).
    case unsupportedModel(reason: String)
    /// A bad option value.
    case invalidArgument(name: String, reason: String)
    /// A data file that does not parse: its line (1-based; 0 when the file is one JSON document) and field.
    case malformedData(file: String, line: Int, field: String, reason: String)
    /// No example (or no example with a target token) in the training or validation set.
    case emptyDataSet(file: String, reason: String)
    /// `--cutoff-len` longer than the model's context.
    case cutoffTooLong(cutoff: Int, context: Int)
    /// `--target` matches no linear of the model.
    case noMatchingTargets(target: String, available: String)
    /// A training checkpoint that cannot be resumed from.
    case checkpoint(path: String, reason: String)
    /// A file that cannot be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(reason): return "model not supported for fine-tuning: \(reason)"
        case let .invalidArgument(name, reason): return "\(name): \(reason)"
        case let .malformedData(file, line, field, reason):
            return line > 0 ? "\(file):\(line): field '\(field)': \(reason)" : "\(file): field '\(field)': \(reason)"
        case let .emptyDataSet(file, reason): return "\(file): empty data set: \(reason)"
        case let .cutoffTooLong(cutoff, context):
            return "--cutoff-len \(cutoff) exceeds the model's context length \(context)"
        case let .noMatchingTargets(target, available):
            return "--target \(target) matches no linear of the model (it has: \(available))"
        case let .checkpoint(path, reason): return "\(path): cannot resume: \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}
