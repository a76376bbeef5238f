import ArgumentParser
import Foundation
import SVDLLMKit
import Notebooks

/// `svdllm notebook kernels`: benchmarks every GEMM, Cholesky and SVD variant over a range of sizes, in
/// process (the same ``KernelBench`` as `svdllm bench`), and writes a notebook with one plot and table per
/// kernel and element type, the peer's figures overlaid when `--peer` gives them.
struct NotebookKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Benchmark the GEMM, Cholesky and SVD variants and write a notebook of GFLOP/s (or ms) vs size.",
        discussion: """
            --peer reads numpy/OpenBLAS figures from `Scripts/compare-kernels --json OUT`, from a
            {"backend", "rows": [...]} object, or from the JSON lines Scripts/peer_timings.py prints; they are drawn
            dashed beside ours at the same kernel, element type and thread count (square shapes only).
            Progress goes to stderr, one line per measurement.
            """)

    @Option(help: "The notebook to write.")
    var out: String = "notebooks-export/kernels.ipynb"

    @Option(help: "Peer figures (JSON) to draw beside ours.")
    var peer: String?

    @Option(help: "Comma-separated thread counts for the variants that take a parallelism.")
    var threads: String = "1,2"

    @Option(help: "Timed runs per measurement (the best is kept); SVD uses at most 2.")
    var repeats: Int = 3

    @Flag(help: "Small sizes and one repeat (seconds, for tests and CI).")
    var quick = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        _ = try threadCounts()
    }

    func threadCounts() throws -> [Int] {
        let counts = threads.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--threads: '\(threads)' is not a list of positive counts like 1,2")
        }
        var seen = Set<Int>()
        return counts.map { $0! }.filter { seen.insert($0).inserted }
    }

    func run() throws {
        let threadList = try threadCounts()
        let peerFigures = try peer.map { try PeerFigures(contentsOf: $0) }
        let provenance = NotebookProvenance.current()
        let started = Date()
        let loadBefore = NotebookProvenance.loadAverage()

        var nb = NotebookDocument()
        nb.addMarkdown(provenance.openingMarkdown(
            heading: "Kernel benchmarks: GEMM, Cholesky, SVD",
            summary: """
                Speed of every variant of our pure-Swift kernels against the matrix size n, on \
                \(threadList.map(String.init).joined(separator: " and ")) thread(s)\
                \(peerFigures == nil ? "" : ", with numpy/OpenBLAS/LAPACK measured on the same machine (dashed)"). \
                Each figure is the best of several timed runs; the tables under the plots hold the plotted numbers.
                """))
        var setup = provenance.table
        setup.addRow(["threads", threadList.map(String.init).joined(separator: ", ")])
        setup.addRow(["repeats", quick ? "1 (--quick)" : "best of \(repeats)"])
        if let p = peerFigures {
            setup.addRow(["peer figures", "\(p.figures.count) from `\(peer!)` (\(p.format))"])
            if let b = p.backend { setup.addRow(["peer backend", b]) }
        }
        nb.addCode(source: provenance.command, outputs: [.table(setup)])

        for section in sections() {
            nb.addMarkdown("## \(section.title)\n\n\(section.about)")
            let records = try section.measure(threads: threadList) { record in
                printError(record.humanLine)
            }
            let lines = section.lines(records: records, peer: peerFigures, threads: threadList)
            var outputs: [NotebookOutput] = [.plot(section.plot(lines), width: 760, height: 420),
                                             .markdown(section.tableCaption + "\n\n" + section.table(lines).markdown)]
            if let errors = section.randomizedErrorTable(records: records, threads: threadList) {
                outputs.append(.markdown("Randomized SVD, top k = n/4 singular values against a Double Jacobi SVD:\n\n"
                                         + errors.markdown))
            }
            nb.addCode(source: section.benchCommands(threads: threadList), outputs: outputs)
        }
        let seconds = Date().timeIntervalSince(started)
        let load = [loadBefore, NotebookProvenance.loadAverage()].map { $0.map { String(format: "%.1f", $0) } ?? "?" }
        nb.addMarkdown("""
            ---
            Measured in \(String(format: "%.0f", seconds)) s; 1-minute load average \(load[0]) at the start and \
            \(load[1]) at the end (on \(provenance.cpu.logicalCores) logical cores: a load above that means other \
            work shared the cores and the figures are lower than on an idle machine). Timings are wall-clock, the \
            best of the repeats; compare lines within one figure rather than across notebooks.
            """)

        let url = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try nb.write(to: url)
        printError("wrote \(out) (\(nb.cells.count) cells) in \(String(format: "%.1f", seconds)) s")
    }

    /// What the notebook measures: full sizes by default, tiny ones with --quick.
    func sections() -> [KernelNotebookSection] {
        let r = quick ? 1 : repeats
        let gemmSizes = quick ? [16, 32, 64] : [64, 128, 256, 512, 1024, 2048]
        let cholSizes = quick ? [16, 32, 64] : [64, 128, 256, 576, 1024, 1536, 2048]
        let svdSizes = quick ? [16, 32] : [64, 128, 256, 576]
        let svdRepeats = quick ? 1 : min(repeats, 2)
        var out: [KernelNotebookSection] = []
        for dtype in BenchCommand.DType.allCases {
            out.append(KernelNotebookSection(
                title: "GEMM, \(dtype.rawValue)",
                about: """
                    C = A·B with A, B, C all n × n (2n³ flops). `naive` is the triple-loop reference (only up to \
                    n = 512), `blocked` the serial BLIS-style packed kernel, `parallel` the same with the \
                    macro-kernel loops spread over the threads.
                    """,
                kernel: .gemm, dtype: dtype, sizes: gemmSizes, serialVariants: ["naive", "blocked"],
                threadedVariants: ["parallel"], metric: .gflops, repeats: r))
        }
        for dtype in [BenchCommand.DType.f64, .f32] {
            out.append(KernelNotebookSection(
                title: "Cholesky, \(dtype.rawValue)",
                about: """
                    A = L·Lᵀ of a symmetric positive definite n × n matrix (n³/3 flops). `unblocked` is the \
                    row-by-row reference (serial), `blocked` right-looking by panels, `recursive` halving \
                    (faer-style); the last two spend most of their time in GEMM and use the threads there.
                    """,
                kernel: .cholesky, dtype: dtype, sizes: cholSizes, serialVariants: ["unblocked"],
                threadedVariants: ["blocked", "recursive"], metric: .gflops, repeats: r))
        }
        for dtype in BenchCommand.DType.allCases {
            out.append(KernelNotebookSection(
                title: "SVD, \(dtype.rawValue)",
                about: """
                    Thin SVD of an n × n matrix with a decaying spectrum (Gaussian, column j scaled by \
                    1/(1 + j/8)), time in ms on log axes. `jacobi` (one-sided Jacobi, the reference) and \
                    `jacobi-blocked` compute all n singular triplets; `rsvd-gaussian` and `rsvd-srft` \
                    (randomized, Gaussian or subsampled-FFT sketch, 10 oversamples, 2 power iterations) only the \
                    top k = n/4, so they are faster by design: the table under the plot gives their largest \
                    relative σ error against a Double Jacobi SVD. The peer is LAPACK's `gesdd` (all triplets, of a \
                    plain Gaussian matrix).
                    """,
                kernel: .svd, dtype: dtype, sizes: svdSizes, serialVariants: [],
                threadedVariants: SVDVariant.allCases.map(\.rawValue), metric: .milliseconds,
                repeats: svdRepeats))
        }
        return out
    }
}
