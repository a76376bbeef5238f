import Foundation
import SVDLLMKit
import Notebooks

/// Where and how a notebook's numbers were made: the command line (shell-quoted, `svdllm` for argv[0]), the
/// machine and the build. Every notebook the toolkit writes opens with these.
struct NotebookProvenance {
    var command: String
    var date: String
    var cpuModel: String
    var cpu: CPUInfo
    var build: String

    /// The running process's command line and host.
    static func current() -> NotebookProvenance {
        let args = ["svdllm"] + CommandLine.arguments.dropFirst().map(shellQuoted)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        #if SVDLLM_PORTABLE
        let target = "portable baseline target"
        #else
        let target = "-target-cpu native"
        #endif
        return NotebookProvenance(command: args.joined(separator: " "), date: formatter.string(from: Date()),
                                  cpuModel: cpuModelName() ?? "unknown CPU", cpu: .host,
                                  build: "\(configuration), \(target)")
    }

    /// `text` as one shell word: unchanged when it has only safe characters, else single-quoted.
    static func shellQuoted(_ text: String) -> String {
        let safe = CharacterSet(charactersIn:
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
        if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The `model name` of /proc/cpuinfo (Linux), if there is one.
    static func cpuModelName() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The 1-minute load average (Linux `/proc/loadavg`): how busy the machine was besides us.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    /// The machine and build as a two-column table.
    var table: MarkdownTable {
        var t = MarkdownTable(headers: ["setting", "value"])
        t.addRow(["date (UTC)", date])
        t.addRow(["CPU", "\(cpuModel), \(cpu.logicalCores) logical cores\(cpu.hasAVX512 ? ", AVX-512" : ", no AVX-512")"])
        t.addRow(["caches", "L1d \(cpu.l1dBytes >> 10) KiB, L2 \(cpu.l2Bytes >> 10) KiB, L3 \(cpu.l3Bytes >> 20) MiB"])
        t.addRow(["build", build])
        return t
    }

    /// The opening cell's Markdown: `heading`, `summary`, and the command that reproduces the notebook.
    func openingMarkdown(heading: String, summary: String) -> String {
        """
        # \(heading)

        \(summary)

        Written by the toolkit itself; reproduce it from the repository root with

        ```sh
        swift build -c release --product svdllm
        .build/release/\(command)
        ```
        """
    }
}
