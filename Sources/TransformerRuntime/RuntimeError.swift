/// Why a model could not be loaded or run.
public enum RuntimeError: Error, Equatable, CustomStringConvertible {
    /// A tensor the architecture needs is missing from the file.
    case missingTensor(file: String, name: String)
    /// A tensor has the wrong shape.
    case shapeMismatch(file: String, name: String, expected: [Int], got: [Int])
    /// Tensors in the file that no part of the model used (the strict binding check).
    case unusedTensors(file: String, names: [String])
    /// The architecture is not supported by the runtime.
    case unsupportedArchitecture(String)
    /// A token id outside the vocabulary, or a sequence longer than the context.
    case invalidInput(argument: String, reason: String)

    public var description: String {
        switch self {
        case let .missingTensor(file, name): return "\(file): missing tensor '\(name)'"
        case let .shapeMismatch(file, name, e, g): return "\(file): tensor '\(name)' has shape \(g), expected \(e)"
        case let .unusedTensors(file, names):
            return "\(file): \(names.count) tensors were not bound to the model: \(names.prefix(5).joined(separator: ", "))"
        case let .unsupportedArchitecture(a): return "unsupported architecture '\(a)'"
        case let .invalidInput(argument, reason): return "argument '\(argument)': \(reason)"
        }
    }
}
