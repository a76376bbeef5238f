import ArgumentParser
import Foundation
import Notebooks
import SVDLLMKit

/// `svdllm notebook compression MODEL`: compresses the model with every method at every ratio (one shared dense
/// profile), scores each, and writes a notebook of perplexity vs ratio, singular-value spectra of W and W·S,
/// predicted vs measured truncation loss, ranks per layer, time per phase and parameter counts.
struct NotebookCompressionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compression",
        abstract: "Compress a model with several methods and ratios and write a notebook of what happened.",
        discussion: """
            Every run uses the same calibration windows (the paper's sampler); the dense model's Grams are \
            computed once and reused by every method that needs them. Perplexity uses the paper's protocol on \
            the first --eval-windows windows of --eval (0 = all). Can take a while: about one compression and one \
            evaluation per method × ratio. --json-out also saves the raw measurements.
            """)

    @Argument(help: "A .gguf file or a Hugging Face folder.") var model: String
    @Option(help: "Comma-separated compression ratios.") var ratios: String = "0.2,0.4,0.6,0.8"
    @Option(help: "Comma-separated methods.") var methods: String = "svd,asvd,whiten,whiten+update"
    @Option(help: "Calibration text (default: PTB train from the asset cache).") var calib: String?
    @Option(help: "Evaluation text (default: PTB test from the asset cache).") var eval: String?
    @Option(help: "Calibration windows.") var nsamples: Int = 64
    @Option(help: "Tokens per window (calibration and evaluation).") var seqlen: Int = 512
    @Option(help: "Seed of the calibration sampler.") var seed: UInt64 = 3
    @Option(name: .customLong("eval-windows"), help: "Evaluation windows (0 = all).") var evalWindows: Int = 64
    @Option(help: "SVD of W·S: bidiagonal (gesdd-like: Householder bidiagonalization, divide and conquer), jacobi (one-sided Jacobi: the high-relative-accuracy reference, slower) or rsvd (randomized, approximate).") var svd: TruncationSVD = .bidiagonal
    @OptionGroup var workers: WorkerThreads
    @Option(help: "The notebook to write.") var out: String = "notebooks-export/compression.ipynb"
    @Option(name: .customLong("json-out"), help: "Also save the measurements as JSON here.") var jsonOut: String?
    @Option(name: .customLong("profile-cache"),
            help: "Folder to save / reuse the dense Gram profile (as `compress --profile-cache`).") var profileCache: String?
    @Option(name: .customLong("from-json"),
            help: "Render the notebook from measurements saved by --json-out instead of running (MODEL is then only a label).")
    var fromJSON: String?

    func parsedRatios() throws -> [Double] {
        let values = ratios.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--ratios: '\(ratios)' is not a list of ratios in (0, 1) like 0.2,0.4")
        }
        return values.map { $0! }
    }

    func parsedMethods() throws -> [CompressionMethod] {
        try methods.split(separator: ",").map {
            let name = $0.trimmingCharacters(in: .whitespaces)
            guard let m = CompressionMethod(rawValue: name) else {
                throw ValidationError("--methods: unknown method '\(name)' (\(CompressionMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return m
        }
    }

    func validate() throws {
        _ = try parsedMethods()
        for ratio in try parsedRatios() {
            try FlagNames(["ratio": "--ratios"]).validating { try CompressionOptions(method: .whiten, ratio: ratio).validate() }
        }
        try FlagNames(["sampleCount": "--nsamples", "sequenceLength": "--seqlen"]).validating {
            try CalibrationSampler(sampleCount: nsamples, sequenceLength: seqlen, seed: seed).validate()
        }
        guard evalWindows >= 0 else { throw ValidationError("--eval-windows must be ≥ 0 (got \(evalWindows))") }
    }

    func run() throws {
        let cache = AssetCache.default
        var provenance = NotebookProvenance.current()
        let started = Date()
        var study: CompressionStudy
        if let fromJSON {
            do {
                study = try JSONDecoder().decode(CompressionStudy.self, from: Data(contentsOf: URL(fileURLWithPath: fromJSON)))
            } catch {
                throw CLIError("--from-json: '\(fromJSON)' is not a saved compression study: \(error)")
            }
            if let command = study.command { provenance.command = command }  // the run, not this rendering
            if let date = study.date { provenance.date = date }
        } else {
            let calibURL = try calib.map { URL(fileURLWithPath: $0) } ?? cache.require(cache.ptb("train"))
            let evalURL = try eval.map { URL(fileURLWithPath: $0) } ?? cache.require(cache.ptb("test"))
            study = try CompressionStudy.run(
                modelPath: model, calibURL: calibURL, evalURL: evalURL, methods: try parsedMethods(),
                ratios: try parsedRatios(), nsamples: nsamples, seqlen: seqlen, seed: seed, evalWindows: evalWindows,
                svd: svd, threads: workers.threads, profileCache: profileCache.map { URL(fileURLWithPath: $0) },
                spectrumMatrices: [(0, .q), (0, .down), (14, .k), (14, .up), (29, .o), (29, .down)],
                log: { printError("notebook compression: \($0)") })
            study.command = provenance.command
            study.date = provenance.date
        }
        if let jsonOut, fromJSON == nil {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(study).write(to: URL(fileURLWithPath: jsonOut), options: .atomic)
        }
        let nb = CompressionNotebook(study: study, provenance: provenance,
                                     seconds: study.wallSeconds ?? Date().timeIntervalSince(started)).document()
        let url = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try nb.write(to: url)
        printError("wrote \(out) (\(nb.cells.count) cells) in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
    }
}

/// The notebook of a ``CompressionStudy``.
struct CompressionNotebook {
    var study: CompressionStudy
    var provenance: NotebookProvenance
    var seconds: Double

    static func format(_ x: Double) -> String {
        if !x.isFinite { return "\(x)" }
        if abs(x) >= 1e5 || (abs(x) < 1e-3 && x != 0) { return String(format: "%.3e", x) }
        return String(format: "%.3f", x)
    }

    func document() -> NotebookDocument {
        let s = study
        let methods = s.runs.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let ratios = s.runs.map(\.ratio).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
        var nb = NotebookDocument()
        nb.addMarkdown(provenance.openingMarkdown(
            heading: "SVD-LLM compression of \(s.model)",
            summary: """
                Every method (\(methods.joined(separator: ", "))) at every ratio (\(ratios.map { String($0) }.joined(separator: ", "))) \
                on the same \(s.nsamples) × \(s.seqlen) calibration tokens of `\(s.calibration)` (seed \(s.seed)), \
                scored on the first \(s.evalWindows) windows of `\(s.evaluation)` (perplexity, paper's protocol).
                """))
        var setup = provenance.table
        setup.addRow(["model", "`\(s.model)` (\(s.denseParameters) parameters)"])
        setup.addRow(["calibration", "\(s.nsamples) × \(s.seqlen) tokens of `\(s.calibration)`, seed \(s.seed)"])
        setup.addRow(["evaluation", "\(s.evalWindows) windows of \(s.seqlen) tokens of `\(s.evaluation)`"])
        setup.addRow(["dense perplexity", Self.format(s.densePPL)])
        nb.addCode(source: provenance.command, outputs: [.table(setup)])

        // 1. Perplexity vs ratio.
        var ppl = Plot(title: "Perplexity vs compression ratio", xLabel: "ratio (fraction of decoder-linear parameters removed)",
                       yLabel: "perplexity", yScale: .log)
        for m in methods {
            ppl.add(.line(name: m, points: s.runs.filter { $0.method == m }.map { ($0.ratio, $0.ppl) }))
        }
        ppl.add(.line(name: "dense", points: ratios.map { ($0, s.densePPL) }, dash: .dashed))
        var pplTable = MarkdownTable(headers: ["method"] + ratios.map { "ratio \($0)" })
        for m in methods {
            pplTable.addRow([m] + ratios.map { r in s.runs.first { $0.method == m && $0.ratio == r }.map { Self.format($0.ppl) } ?? "" })
        }
        nb.addMarkdown("## Perplexity\n\nLower is better; the dense model is the dashed line.")
        nb.addCode(source: "# perplexity of every run", outputs: [.plot(ppl), .table(pplTable)])

        // 2. Spectra.
        if !s.spectra.isEmpty {
            nb.addMarkdown("""
                ## Singular values of W and of W·S

                Normalized σᵢ/σ₁ of a few weights (solid) and of the same weights after whitening, W·S with \
                S = chol(XᵀX/N) (dashed). Whitening concentrates the output energy in fewer directions, which is \
                why truncating W·S loses less than truncating W.
                """)
            var spectra = Plot(title: "Spectra", xLabel: "index i", yLabel: "σᵢ / σ₁", yScale: .log)
            for (k, sp) in s.spectra.enumerated() {
                let color = spectra.style.palette[k % spectra.style.palette.count]
                let label = "L\(sp.layer) \(sp.name)"
                if let top = sp.weight.first, top > 0 {
                    spectra.add(.line(name: "\(label) W", points: sp.weight.enumerated().map { (Double($0.offset), $0.element / top) },
                                      color: color))
                }
                if let top = sp.whitened.first, top > 0 {
                    spectra.add(.line(name: "\(label) W·S", points: sp.whitened.enumerated().map { (Double($0.offset), $0.element / top) }
                                          .filter { $0.1 > 0 }, color: color, dash: .dashed))
                }
            }
            nb.addCode(source: "# singular values (values-only Jacobi SVD of W; W·S from the whitening run)",
                       outputs: [.plot(spectra, width: 760, height: 460)])
        }

        // 3. Predicted vs measured loss.
        let whitened = s.runs.filter { $0.method == CompressionMethod.whiten.rawValue }
        if !whitened.isEmpty {
            var loss = Plot(title: "Truncation loss: predicted vs measured (whitening)", xLabel: "Σ dropped σ² of W·S (predicted)",
                            yLabel: "‖(W − W_u W_v)X‖² / N (measured)", xScale: .log, yScale: .log)
            var worst = 0.0
            var all: [Double] = []
            for run in whitened {
                let pts = run.report.matrices.compactMap { m in m.measuredLoss.map { (m.predictedLoss, $0) } }
                    .filter { $0.0 > 0 && $0.1 > 0 }
                for p in pts { worst = max(worst, abs(p.1 - p.0) / p.0); all += [p.0, p.1] }
                loss.add(.scatter(name: "ratio \(run.ratio)", points: pts))
            }
            if let lo = all.min(), let hi = all.max() { loss.add(.line(name: "y = x", points: [(lo, lo), (hi, hi)], dash: .dashed)) }
            nb.addMarkdown("""
                ## Predicted vs measured truncation loss

                For whitening the output loss of each matrix on the calibration inputs equals the sum of the dropped \
                σ² of W·S (the paper's Theorem). Each point is one of the \(whitened.first!.report.matrices.count) \
                matrices; the largest relative gap is \(Self.format(worst)) (Float-stored factors, regularized pivots).
                """)
            nb.addCode(source: "# every matrix of the whitening runs", outputs: [.plot(loss, width: 720, height: 460)])
        }

        // 4. Ranks per layer.
        if let first = s.runs.first {
            var ranks = Plot(title: "Rank per layer (method-independent: r = ⌊mn(1−R)/(m+n)⌋)", xLabel: "layer", yLabel: "rank")
            let names = first.report.matrices.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for r in ratios {
                guard let run = s.runs.first(where: { $0.ratio == r }) else { continue }
                for n in names {
                    ranks.add(.line(name: "\(n) @ \(r)", points: run.report.matrices.filter { $0.name == n }.map { (Double($0.layer), Double($0.rank)) }))
                }
            }
            var table = MarkdownTable(headers: ["ratio"] + names)
            for r in ratios {
                guard let run = s.runs.first(where: { $0.ratio == r }) else { continue }
                table.addRow(["\(r)"] + names.map { n in run.report.matrices.first { $0.name == n }.map { "\($0.rank) (\($0.rows)×\($0.cols))" } ?? "" })
            }
            nb.addMarkdown("## Ranks\n\nEvery layer has the same shapes here, so each matrix type keeps one rank per ratio.")
            nb.addCode(source: "# ranks of every matrix", outputs: [.plot(ranks, width: 760, height: 420), .table(table)])
        }

        // 5. Time per phase and parameter counts.
        var times = MarkdownTable(headers: ["method", "ratio", "profiling s", "factorization s", "update s", "writing s",
                                            "decoder linears after", "model after", "shifted pivots", "profile"])
        var timePlot = Plot(title: "Time per phase", xLabel: "run", yLabel: "seconds",
                            xScale: .categories(s.runs.map { "\($0.method) \($0.ratio)" }), yIncludesZero: true)
        let phases: [(String, (PhaseTimes) -> Double)] = [("profiling", { $0.profiling }), ("factorization", { $0.factorization }),
                                                          ("update", { $0.update })]
        for (name, get) in phases {
            timePlot.add(.bar(name: name, values: s.runs.map { get($0.report.seconds) }))
        }
        for run in s.runs {
            let r = run.report
            times.addRow([run.method, "\(run.ratio)", String(format: "%.1f", r.seconds.profiling),
                          String(format: "%.1f", r.seconds.factorization), String(format: "%.1f", r.seconds.update),
                          String(format: "%.1f", r.seconds.writing), "\(r.parameters.decoderLinearsAfter) of \(r.parameters.decoderLinearsBefore)",
                          "\(r.parameters.modelAfter) of \(r.parameters.modelBefore)",
                          "\(r.matrices.reduce(0) { $0 + $1.shiftedPivots })", r.profileFromCache ? "cached" : "computed"])
        }
        nb.addMarkdown("""
            ## Time and parameters

            Profiling (the dense model's Grams) is paid once and shared through the profile cache; `update` is the \
            propagated pass plus the least-squares solves of the update methods.
            """)
        nb.addCode(source: "# phase times and parameter counts of every run", outputs: [.plot(timePlot, width: 900, height: 420), .table(times)])
        nb.addMarkdown("---\nMeasured in \(String(format: "%.0f", seconds)) s on a machine that may have been shared.")
        return nb
    }
}
