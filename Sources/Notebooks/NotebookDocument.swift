import Formats
import Foundation

/// A Jupyter notebook (nbformat 4.5) built cell by cell and written as `.ipynb` JSON.
///
/// ```swift
/// var nb = NotebookDocument()
/// nb.addMarkdown("# Kernels")
/// nb.addCode(source: "svdllm notebook kernels --out kernels.ipynb", outputs: [.plot(p), .table(t)])
/// try nb.write(to: URL(fileURLWithPath: "kernels.ipynb"))
/// ```
/// Cells get ids `cell-1`, `cell-2`, … and code cells execution counts 1, 2, … in order, so the same content
/// gives the same file. The JSON has sorted keys and multi-line strings as lists of lines (as Jupyter writes
/// them), so notebooks diff well; the file is replaced atomically.
public struct NotebookDocument: Sendable, Equatable {
    public var cells: [NotebookCell] = []
    public var kernel: NotebookKernel
    /// Extra top-level metadata (e.g. `["svdllm": ["command": "…"]]`); must be JSON-serializable strings.
    public var extraMetadata: [String: String] = [:]

    public init(kernel: NotebookKernel = .bash) { self.kernel = kernel }

    /// Appends a Markdown cell.
    public mutating func addMarkdown(_ text: String) {
        cells.append(NotebookCell(kind: .markdown, id: "cell-\(cells.count + 1)", source: text))
    }

    /// Appends a code cell holding `source` (the command) with its `outputs`.
    public mutating func addCode(source: String, outputs: [NotebookOutput] = []) {
        let count = cells.filter { $0.kind == .code }.count + 1
        cells.append(NotebookCell(kind: .code, id: "cell-\(cells.count + 1)", source: source, outputs: outputs,
                                  executionCount: count))
    }

    /// The notebook as the JSON object nbformat 4.5 describes.
    public func jsonObject() throws(NotebookError) -> [String: Any] {
        var seen = Set<String>()
        for cell in cells {
            guard Self.isValidID(cell.id), seen.insert(cell.id).inserted else { throw .invalidCellID(cell.id) }
        }
        var languageInfo: [String: Any] = ["name": kernel.language]
        for (k, v) in kernel.languageInfo { languageInfo[k] = v }
        var metadata: [String: Any] = [
            "kernelspec": ["name": kernel.name, "display_name": kernel.displayName, "language": kernel.language],
            "language_info": languageInfo,
        ]
        for (k, v) in extraMetadata { metadata[k] = v }
        return ["nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells.map(Self.json)]
    }

    /// The `.ipynb` bytes: pretty-printed JSON with sorted keys, ending with a line break.
    public func jsonData() throws(NotebookError) -> Data {
        let object = try jsonObject()
        do {
            var data = try JSONSerialization.data(withJSONObject: object,
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            data.append(0x0A)
            return data
        } catch {
            throw .io(file: "<notebook>", reason: "JSON serialization failed: \(error)")
        }
    }

    /// Writes the notebook to `url` atomically (temporary file + rename).
    public func write(to url: URL) throws(NotebookError) {
        let data = try jsonData()
        do { try AtomicFileWriter.write(data, to: url) } catch {
            if case let .io(file, reason) = error { throw .io(file: file, reason: reason) }
            throw .io(file: url.path, reason: "\(error)")
        }
    }

    // MARK: JSON pieces

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count)
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    static func json(_ cell: NotebookCell) -> [String: Any] {
        var o: [String: Any] = ["id": cell.id, "cell_type": cell.kind.rawValue, "metadata": [String: Any](),
                                "source": lines(cell.source)]
        if cell.kind == .code {
            o["execution_count"] = cell.executionCount.map { $0 as Any } ?? NSNull()
            o["outputs"] = cell.outputs.map { json($0, executionCount: cell.executionCount) }
        }
        return o
    }

    static func json(_ output: NotebookOutput, executionCount: Int?) -> [String: Any] {
        switch output {
        case .displayData(let bundle):
            return ["output_type": "display_data", "data": json(bundle), "metadata": [String: Any]()]
        case .executeResult(let bundle):
            return ["output_type": "execute_result", "data": json(bundle), "metadata": [String: Any](),
                    "execution_count": executionCount.map { $0 as Any } ?? NSNull()]
        case let .stream(name, text):
            return ["output_type": "stream", "name": name, "text": lines(text)]
        }
    }

    static func json(_ bundle: MIMEBundle) -> [String: Any] {
        bundle.entries.mapValues { lines($0) as Any }
    }

    /// `text` split after each line break, as Jupyter stores multi-line strings ("a\nb" → ["a\n", "b"]).
    static func lines(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "\n" || ch == "\r\n" {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
