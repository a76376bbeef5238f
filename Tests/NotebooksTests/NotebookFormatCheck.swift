import Foundation

/// The structural rules of nbformat 4.5 (v4.5 JSON schema, required keys and types) checked on a parsed
/// notebook; returns one message per violation (empty: valid).
enum NotebookFormatCheck {
    static func problems(_ root: Any) -> [String] {
        var out: [String] = []
        guard let nb = root as? [String: Any] else { return ["top level is not an object"] }
        if Set(nb.keys) != ["cells", "metadata", "nbformat", "nbformat_minor"] {
            out.append("top-level keys \(nb.keys.sorted())")
        }
        if (nb["nbformat"] as? Int) != 4 { out.append("nbformat is not 4") }
        if let minor = nb["nbformat_minor"] as? Int, minor >= 5 {} else { out.append("nbformat_minor < 5") }
        if let meta = nb["metadata"] as? [String: Any] {
            if let ks = meta["kernelspec"] as? [String: Any] {
                if !(ks["name"] is String && ks["display_name"] is String) { out.append("kernelspec name/display_name") }
            } else { out.append("no kernelspec") }
            if let li = meta["language_info"] as? [String: Any] {
                if !(li["name"] is String) { out.append("language_info.name") }
            } else { out.append("no language_info") }
        } else { out.append("metadata is not an object") }
        guard let cells = nb["cells"] as? [Any] else { return out + ["cells is not an array"] }
        var ids = Set<String>()
        for (i, c) in cells.enumerated() {
            guard let cell = c as? [String: Any] else { out.append("cell \(i) is not an object"); continue }
            if let id = cell["id"] as? String, (1...64).contains(id.count),
               id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                if !ids.insert(id).inserted { out.append("cell \(i): repeated id \(id)") }
            } else { out.append("cell \(i): bad id") }
            if !(cell["metadata"] is [String: Any]) { out.append("cell \(i): metadata") }
            if !isMultilineString(cell["source"]) { out.append("cell \(i): source") }
            switch cell["cell_type"] as? String {
            case "markdown", "raw":
                if Set(cell.keys).subtracting(["id", "cell_type", "metadata", "source", "attachments"]).count > 0 {
                    out.append("cell \(i): extra keys \(cell.keys.sorted())")
                }
            case "code":
                if Set(cell.keys) != ["id", "cell_type", "metadata", "source", "outputs", "execution_count"] {
                    out.append("cell \(i): code keys \(cell.keys.sorted())")
                }
                if !(cell["execution_count"] is Int || cell["execution_count"] is NSNull) {
                    out.append("cell \(i): execution_count")
                }
                guard let outputs = cell["outputs"] as? [Any] else { out.append("cell \(i): outputs"); continue }
                for (j, o) in outputs.enumerated() { out += outputProblems(o).map { "cell \(i) output \(j): \($0)" } }
            default:
                out.append("cell \(i): cell_type")
            }
        }
        return out
    }

    static func outputProblems(_ o: Any) -> [String] {
        guard let output = o as? [String: Any] else { return ["not an object"] }
        switch output["output_type"] as? String {
        case "display_data":
            guard Set(output.keys).subtracting(["transient"]) == ["output_type", "data", "metadata"] else {
                return ["display_data keys \(output.keys.sorted())"]
            }
            return bundleProblems(output["data"]) + (output["metadata"] is [String: Any] ? [] : ["metadata"])
        case "execute_result":
            guard Set(output.keys) == ["output_type", "data", "metadata", "execution_count"] else {
                return ["execute_result keys \(output.keys.sorted())"]
            }
            let count = output["execution_count"] is Int || output["execution_count"] is NSNull
            return bundleProblems(output["data"]) + (count ? [] : ["execution_count"])
        case "stream":
            guard Set(output.keys) == ["output_type", "name", "text"], output["name"] is String,
                  isMultilineString(output["text"]) else { return ["stream keys/types"] }
            return []
        default:
            return ["output_type"]
        }
    }

    /// A MIME bundle: MIME type keys (`type/subtype`), textual values as strings or lists of strings.
    static func bundleProblems(_ d: Any?) -> [String] {
        guard let data = d as? [String: Any] else { return ["data is not an object"] }
        return data.compactMap { key, value in
            let mime = key.split(separator: "/").count == 2
            return mime && isMultilineString(value) ? nil : "data[\(key)]"
        }
    }

    static func isMultilineString(_ v: Any?) -> Bool {
        v is String || (v as? [Any])?.allSatisfy { $0 is String } == true
    }

    /// The text of a multiline string (joined when a list).
    static func text(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        return (v as? [Any])?.compactMap { $0 as? String }.joined()
    }
}
