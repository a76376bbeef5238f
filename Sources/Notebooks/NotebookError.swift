/// Why a notebook could not be written.
public enum NotebookError: Error, Equatable, CustomStringConvertible {
    /// The file could not be created, written, flushed or renamed into place.
    case io(file: String, reason: String)
    /// A cell id is not 1–64 characters of `[A-Za-z0-9_-]`, or is used twice.
    case invalidCellID(String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "\(file): \(reason)"
        case let .invalidCellID(id): return "notebook cell id '\(id)' is invalid or repeated"
        }
    }
}
