import Foundation
import Testing
@testable import Notebooks

@Suite struct NotebookDocumentTests {
    func sample() -> NotebookDocument {
        var nb = NotebookDocument()
        nb.addMarkdown("# Kernels\n\nGFLOP/s of *our* GEMM.")
        var p = Plot(title: "GEMM f32", xLabel: "n", yLabel: "GFLOP/s", xScale: .log)
        p.add(.line(name: "parallel", points: [(64, 20), (512, 80)]))
        var t = MarkdownTable(headers: ["n", "GFLOP/s"], alignments: [.right, .right])
        t.addRow(["64", "20"])
        t.addRow(["512", "80"])
        nb.addCode(source: "svdllm notebook kernels \\\n  --quick", outputs: [.plot(p), .table(t), .stdout("done\n")])
        nb.addCode(source: "echo 42", outputs: [.executeResult(MIMEBundle(plainText: "42"))])
        nb.addCode(source: "true")
        return nb
    }

    @Test func writtenNotebookIsStructurallyNbformat4() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nb-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("k.ipynb")
        try sample().write(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["k.ipynb"])  // no temp left
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        #expect(NotebookFormatCheck.problems(root) == [])

        let nb = try #require(root as? [String: Any])
        let cells = try #require(nb["cells"] as? [[String: Any]])
        #expect(cells.map { $0["cell_type"] as? String } == ["markdown", "code", "code", "code"])
        #expect(cells.map { $0["id"] as? String } == ["cell-1", "cell-2", "cell-3", "cell-4"])
        #expect(cells.dropFirst().map { $0["execution_count"] as? Int } == [1, 2, 3])
        #expect(NotebookFormatCheck.text(cells[1]["source"]) == "svdllm notebook kernels \\\n  --quick")
        #expect((cells[1]["source"] as? [String]) == ["svdllm notebook kernels \\\n", "  --quick"])
        let outputs = try #require(cells[1]["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["output_type"] as? String } == ["display_data", "display_data", "stream"])
        let svgData = try #require(outputs[0]["data"] as? [String: Any])
        let svg = try #require(NotebookFormatCheck.text(svgData["image/svg+xml"]))
        #expect(XMLTree.parse(svg) != nil)
        let table = try #require(outputs[1]["data"] as? [String: Any])
        #expect(NotebookFormatCheck.text(table["text/markdown"]) == "| n | GFLOP/s |\n|--:|--:|\n| 64 | 20 |\n| 512 | 80 |\n")
        let result = try #require((cells[2]["outputs"] as? [[String: Any]])?.first)
        #expect(result["execution_count"] as? Int == 2)
        let meta = try #require(nb["metadata"] as? [String: Any])
        #expect((meta["kernelspec"] as? [String: Any])?["name"] as? String == "bash")
    }

    @Test func outputIsDeterministicWithSortedKeys() throws {
        let a = try sample().jsonData(), b = try sample().jsonData()
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        let cellType = try #require(text.range(of: "\"cell_type\""))
        let id = try #require(text.range(of: "\"id\""))
        #expect(cellType.lowerBound < id.lowerBound)
        #expect(text.contains("http://www.w3.org/2000/svg"))  // slashes not escaped
    }

    @Test func badOrRepeatedCellIDsAreRejected() {
        var nb = NotebookDocument(kernel: .python3)
        nb.addMarkdown("a")
        nb.cells.append(NotebookCell(kind: .markdown, id: "cell-1", source: "b"))
        #expect(throws: NotebookError.invalidCellID("cell-1")) { try nb.jsonData() }
        nb.cells[1].id = "has space"
        #expect(throws: NotebookError.invalidCellID("has space")) { try nb.jsonData() }
    }

    @Test func writingIntoAMissingFolderFailsNamingTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/k.ipynb")
        #expect {
            try sample().write(to: url)
        } throws: { error in
            guard case let .io(file, _) = error as? NotebookError else { return false }
            return file == url.path
        }
    }

    @Test func linesKeepTheirBreaks() {
        #expect(NotebookDocument.lines("a\nb\n") == ["a\n", "b\n"])
        #expect(NotebookDocument.lines("") == [])
        #expect(NotebookDocument.lines("x") == ["x"])
    }
}
