import Foundation

/// A GitHub-flavoured Markdown table.
///
/// ```swift
/// var t = MarkdownTable(headers: ["n", "GFLOP/s"], alignments: [.right, .right])
/// t.addRow(["512", "80.1"])
/// t.markdown  // "| n | GFLOP/s |\n|--:|--:|\n| 512 | 80.1 |\n"
/// ```
/// Cells are escaped (`|` → `\|`, line breaks → spaces); short rows are padded with empty cells.
public struct MarkdownTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, center, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []

    /// `alignments` defaults to left for every column.
    public init(headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? Array(repeating: .left, count: headers.count)
    }

    public mutating func addRow(_ cells: [String]) { rows.append(cells) }

    /// The table in Markdown, ending with a line break.
    public var markdown: String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        func line(_ cells: [String]) -> String {
            let padded = cells + Array(repeating: "", count: columns - cells.count)
            return "| " + padded.map(Self.escape).joined(separator: " | ") + " |\n"
        }
        let rule = (0..<columns).map { i -> String in
            switch i < alignments.count ? alignments[i] : .left {
            case .left: return "---"
            case .center: return ":-:"
            case .right: return "--:"
            }
        }
        return line(headers) + "|" + rule.joined(separator: "|") + "|\n" + rows.map(line).joined()
    }

    static func escape(_ cell: String) -> String {
        cell.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
