/// One cell of a ``NotebookDocument``.
public struct NotebookCell: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case markdown
        case code
    }

    public var kind: Kind
    /// nbformat ≥ 4.5 cell id: 1–64 characters from `[A-Za-z0-9_-]`, unique in the notebook.
    public var id: String
    /// Markdown text, or the code (here: the shell command that produced the outputs).
    public var source: String
    /// Outputs of a code cell (always empty for markdown).
    public var outputs: [NotebookOutput]
    /// The `execution_count` of a code cell (nil: never run).
    public var executionCount: Int?

    public init(kind: Kind, id: String, source: String, outputs: [NotebookOutput] = [], executionCount: Int? = nil) {
        self.kind = kind
        self.id = id
        self.source = source
        self.outputs = outputs
        self.executionCount = executionCount
    }
}
