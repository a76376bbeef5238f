/// The kernel a notebook names in its metadata (`kernelspec` and `language_info`): which language its code
/// cells are in. The toolkit's notebooks record shell commands, so ``bash`` is the default.
public struct NotebookKernel: Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var language: String
    /// Extra `language_info` fields (file extension, MIME type, CodeMirror mode).
    public var languageInfo: [String: String]

    public init(name: String, displayName: String, language: String, languageInfo: [String: String] = [:]) {
        self.name = name
        self.displayName = displayName
        self.language = language
        self.languageInfo = languageInfo
    }

    /// The `bash_kernel` kernel: code cells are shell commands.
    public static let bash = NotebookKernel(
        name: "bash", displayName: "Bash", language: "bash",
        languageInfo: ["codemirror_mode": "shell", "file_extension": ".sh", "mimetype": "text/x-sh"])

    /// The standard IPython kernel.
    public static let python3 = NotebookKernel(
        name: "python3", displayName: "Python 3", language: "python",
        languageInfo: ["file_extension": ".py", "mimetype": "text/x-python"])
}
