/// One output of a code cell (nbformat 4 output types `display_data`, `execute_result`, `stream`).
public enum NotebookOutput: Sendable, Equatable {
    /// Rich output shown by the cell (`output_type: display_data`).
    case displayData(MIMEBundle)
    /// The cell's value (`output_type: execute_result`; it takes the cell's execution count).
    case executeResult(MIMEBundle)
    /// Text printed on a stream (`stdout` or `stderr`).
    case stream(name: String, text: String)

    /// A plot as SVG, with its title as the plain-text fallback.
    public static func plot(_ plot: Plot, width: Int = 720, height: Int = 420) -> NotebookOutput {
        .displayData(MIMEBundle(svg: plot.svg(width: width, height: height),
                                plainText: "<plot: \(plot.title.isEmpty ? "untitled" : plot.title)>"))
    }

    /// Markdown text (plain-text fallback: the same text).
    public static func markdown(_ text: String) -> NotebookOutput {
        .displayData(MIMEBundle(markdown: text, plainText: text))
    }

    /// A table, as Markdown (the plain-text fallback is the same Markdown, readable as is).
    public static func table(_ table: MarkdownTable) -> NotebookOutput {
        markdown(table.markdown)
    }

    /// Text printed on standard output.
    public static func stdout(_ text: String) -> NotebookOutput { .stream(name: "stdout", text: text) }
}
