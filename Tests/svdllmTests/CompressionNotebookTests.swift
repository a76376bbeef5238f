import Foundation
import Testing
@testable import svdllm
import SVDLLMKit

/// The compression notebook from a synthetic study: valid nbformat structure, one plot per section, the
/// numbers in the tables.
@Suite struct CompressionNotebookTests {
    static func study() -> CompressionStudy {
        func report(_ method: String, _ ratio: Double) -> CompressionReport {
            var matrices: [MatrixReport] = []
            for layer in 0..<3 {
                for name in ["q_proj", "down_proj"] {
                    let loss = 0.1 * Double(layer + 1)
                    matrices.append(MatrixReport(layer: layer, name: name, rows: 8, cols: 8, rank: Int(8 * (1 - ratio) / 2),
                                                 predictedLoss: loss, measuredLoss: loss * 1.000001, shiftedPivots: 0,
                                                 totalShift: 0, singularValues: [4, 2, 1, 0.5]))
                }
            }
            var times = PhaseTimes()
            times.profiling = 1.5
            times.factorization = 2.5
            return CompressionReport(method: method, ratio: ratio, svd: "jacobi", nsamples: 2, seqlen: 16, seed: 3,
                                     calibrationTokens: 32,
                                     parameters: ParameterCounts(decoderLinearsBefore: 1000, decoderLinearsAfter: 600,
                                                                 modelBefore: 2000, modelAfter: 1600),
                                     seconds: times, matrices: matrices, resumedLayers: 0, profileFromCache: ratio > 0.2)
        }
        var runs: [CompressionStudy.Run] = []
        for m in ["svd", "whiten"] {
            for r in [0.2, 0.4] {
                let ppl: Double = m == "svd" ? 1e4 * r : 50 / (1 - r)
                runs.append(CompressionStudy.Run(method: m, ratio: r, ppl: ppl, report: report(m, r)))
            }
        }
        return CompressionStudy(model: "tiny.gguf", calibration: "ptb.train.txt", evaluation: "ptb.test.txt", nsamples: 2,
                                seqlen: 16, seed: 3, evalWindows: 4, densePPL: 40, denseParameters: 2000, runs: runs,
                                spectra: [.init(layer: 0, name: "q_proj", weight: [3, 2, 1], whitened: [5, 1, 0.1])])
    }

    @Test func notebookHasEverySectionWithPlotsAndTables() throws {
        let provenance = NotebookProvenance(command: "svdllm notebook compression tiny.gguf", date: "2026-11-29",
                                            cpuModel: "test CPU", cpu: CPUInfo.host, build: "release")
        let nb = CompressionNotebook(study: Self.study(), provenance: provenance, seconds: 1).document()
        let json = try JSONSerialization.jsonObject(with: try nb.jsonData()) as! [String: Any]
        #expect(json["nbformat"] as? Int == 4)
        let cells = json["cells"] as! [[String: Any]]
        let svgs = cells.flatMap { ($0["outputs"] as? [[String: Any]]) ?? [] }
            .compactMap { ($0["data"] as? [String: Any])?["image/svg+xml"] }
        #expect(svgs.count == 5)  // perplexity, spectra, losses, ranks, times
        let text = String(decoding: try nb.jsonData(), as: UTF8.self)
        for needle in ["Perplexity", "Singular values", "Predicted vs measured", "Ranks", "Time and parameters",
                       "600 of 1000", "62.500"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
    }

    /// `--from-json`: a saved study (with the command and date of its run) decodes to the same notebook, and the
    /// opening cell names the run's command, not the rendering's.
    @Test func savedStudyRendersWithItsOwnCommand() throws {
        var study = Self.study()
        study.command = "svdllm notebook compression tiny.gguf --ratios 0.2,0.4"
        study.date = "2026-11-29T00:00:00Z"
        study.wallSeconds = 1234
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("study.json")
        try JSONEncoder().encode(study).write(to: saved)
        let out = dir.appendingPathComponent("nb.ipynb")
        var command = try NotebookCompressionCommand.parse(["tiny.gguf", "--from-json", saved.path, "--out", out.path])
        try command.run()
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("--ratios 0.2,0.4"))
        #expect(text.contains("2026-11-29T00:00:00Z"))
        #expect(text.contains("Measured in 1234 s"))

        try Data("{}".utf8).write(to: saved)
        command = try NotebookCompressionCommand.parse(["tiny.gguf", "--from-json", saved.path, "--out", out.path])
        #expect(throws: CLIError.self) { try command.run() }
    }
}
