import Foundation
import SVDLLMKit
import Notebooks

/// One figure of the kernels notebook: a kernel family at one element type, measured at square sizes n
/// (GEMM n×n×n, Cholesky n×n, SVD n×n) for each variant and thread count, drawn against n with the peer's
/// figures at the same kernel, type and thread count.
struct KernelNotebookSection {
    enum Metric {
        /// GFLOP/s on a linear axis from 0 (kernels with a standard flop count).
        case gflops
        /// Milliseconds on a log axis (SVD: no standard flop count across algorithms).
        case milliseconds
    }

    var title: String
    /// Markdown shown above the figure: what is measured and how to read it.
    var about: String
    var kernel: BenchCommand.Kernel
    var dtype: BenchCommand.DType
    var sizes: [Int]
    /// Serial algorithms: measured once, on one thread.
    var serialVariants: [String]
    /// Variants that take a `Parallelism`: measured at every thread count.
    var threadedVariants: [String]
    var metric: Metric
    var repeats: Int

    /// The benchmark runs, one per thread count (the serial variants go with the first).
    func plans(threads: [Int]) -> [KernelBenchPlan] {
        threads.enumerated().compactMap { i, t in
            let variants = (i == 0 ? serialVariants : []) + threadedVariants
            guard !variants.isEmpty else { return nil }
            return KernelBenchPlan(kernel: kernel, variants: variants,
                                   shapes: sizes.map(String.init).joined(separator: ","), threads: t,
                                   repeats: repeats)
        }
    }

    /// `svdllm bench` commands that make the same measurements, one per line.
    func benchCommands(threads: [Int]) -> String {
        plans(threads: threads).flatMap { plan -> [String] in
            let base = "svdllm bench \(kernel.rawValue) --dtype \(dtype.rawValue) --shapes \(plan.shapes!) "
                + "--threads \(plan.threads) --repeats \(plan.repeats)"
            let all = Set(plan.variants ?? []) == Set(Self.allVariants(of: kernel))
            return all ? [base] : (plan.variants ?? []).map { "\(base) --variant \($0)" }
        }.joined(separator: "\n")
    }

    static func allVariants(of kernel: BenchCommand.Kernel) -> [String] {
        switch kernel {
        case .gemm: return GEMMVariant.allCases.map(\.rawValue)
        case .syrk: return SYRKVariant.allCases.map(\.rawValue)
        case .cholesky: return CholeskyVariant.allCases.map(\.rawValue)
        case .trsm: return TriangularSolveVariant.allCases.map(\.rawValue)
        case .qr: return QRVariant.allCases.map(\.rawValue)
        case .svd: return SVDVariant.allCases.map(\.rawValue)
        case .dequant: return DequantizeVariant.allCases.map(\.rawValue)
        case .gemv: return WeightMatrix.GEMVVariant.allCases.map(\.rawValue)
        }
    }

    /// Runs the measurements, reporting each on `progress`.
    func measure(threads: [Int], progress: @escaping (BenchRecord) -> Void) throws -> [BenchRecord] {
        try plans(threads: threads).flatMap { plan in
            switch dtype {
            case .f32: return try KernelBench<Float>(options: plan, emit: progress).run()
            case .f64: return try KernelBench<Double>(options: plan, emit: progress).run()
            }
        }
    }

    // MARK: Figure and tables

    /// One line of the figure: a variant at a thread count, or the peer at a thread count.
    struct Line {
        var name: String
        var points: [(n: Int, value: Double)]
        var isPeer: Bool
        /// Position of the variant in its enum (one colour per variant), or of the peer's thread count.
        var colorIndex: Int
        /// Position of the thread count in `--threads` (solid for the first, dotted after).
        var threadIndex: Int
    }

    func lines(records: [BenchRecord], peer: PeerFigures?, threads: [Int]) -> [Line] {
        let multiThread = threads.count > 1
        func threadText(_ t: Int) -> String { "\(t) thread\(t == 1 ? "" : "s")" }
        var out: [Line] = []
        for (vi, v) in Self.allVariants(of: kernel).enumerated() {
            let counts = serialVariants.contains(v) ? [threads[0]] : threadedVariants.contains(v) ? threads : []
            for (ti, t) in counts.enumerated() {
                let mine = records.filter { $0.variant == v && ($0.threads == t || serialVariants.contains(v)) }
                let points = mine.compactMap { r -> (Int, Double)? in
                    guard let n = r.shape.first, let value = metric == .gflops ? r.gflops : r.ms else { return nil }
                    return (n, value)
                }
                let name = serialVariants.contains(v) || !multiThread ? v : "\(v) · \(threadText(t))"
                out.append(Line(name: name, points: points, isPeer: false, colorIndex: vi, threadIndex: ti))
            }
        }
        if let peer {
            for (ti, t) in threads.enumerated() {
                let figures = peer.matching(kernel: kernel.rawValue, dtype: dtype.rawValue, threads: t)
                    .filter { Set($0.shape).count == 1 }  // square shapes only: the x axis is n
                    .sorted { $0.shape[0] < $1.shape[0] }
                let points = figures.compactMap { f -> (Int, Double)? in
                    guard let value = metric == .gflops ? f.gflops : f.ms else { return nil }
                    return (f.shape[0], value)
                }
                if !points.isEmpty {
                    out.append(Line(name: "numpy/OpenBLAS · \(threadText(t))", points: points, isPeer: true,
                                    colorIndex: ti, threadIndex: ti))
                }
            }
        }
        return out
    }

    var valueLabel: String { metric == .gflops ? "GFLOP/s" : "time (ms)" }

    /// One colour per variant; its first thread count solid, later ones dotted with hollow markers; the peer
    /// dashed in greys.
    func plot(_ lines: [Line]) -> Plot {
        var p = Plot(title: title, xLabel: "n (matrix size)", yLabel: valueLabel, xScale: .log,
                     yScale: metric == .gflops ? .linear : .log, yIncludesZero: metric == .gflops)
        let peerColors = ["#333333", "#999999", "#666666", "#bbbbbb"]
        for line in lines where !line.points.isEmpty {
            let points = line.points.map { (Double($0.n), $0.value) }
            if line.isPeer {
                p.add(.line(name: line.name, points: points, color: peerColors[line.colorIndex % peerColors.count],
                            dash: .dashed))
            } else {
                p.add(.line(name: line.name, points: points,
                            color: p.style.palette[line.colorIndex % p.style.palette.count],
                            dash: line.threadIndex == 0 ? .solid : .dotted))
            }
        }
        return p
    }

    /// What the cells of ``table(_:)`` hold.
    var tableCaption: String { metric == .gflops ? "GFLOP/s by matrix size n:" : "Milliseconds by matrix size n:" }

    /// n down, lines across, the plotted value in each cell (– where not measured).
    func table(_ lines: [Line]) -> MarkdownTable {
        let sizes = Set(lines.flatMap { $0.points.map(\.n) }).sorted()
        var t = MarkdownTable(headers: ["n"] + lines.map(\.name),
                              alignments: Array(repeating: .right, count: lines.count + 1))
        for n in sizes {
            t.addRow([String(n)] + lines.map { line in
                line.points.first { $0.n == n }.map { TickLabelFormat.number($0.value) } ?? "–"
            })
        }
        return t
    }

    /// Randomized SVD: the rank k and the largest relative error of its k singular values against a Double
    /// Jacobi SVD, per size (from the first thread count's runs); nil when no randomized variant ran.
    func randomizedErrorTable(records: [BenchRecord], threads: [Int]) -> MarkdownTable? {
        let randomized = SVDVariant.allCases.filter(\.isRandomized).map(\.rawValue)
            .filter { v in records.contains { $0.variant == v && $0.maxRelSigmaErr != nil } }
        guard kernel == .svd, !randomized.isEmpty else { return nil }
        let mine = records.filter { $0.threads == threads[0] }
        var t = MarkdownTable(headers: ["n", "rank k"] + randomized.map { "\($0): max rel σ error" },
                              alignments: Array(repeating: .right, count: randomized.count + 2))
        for n in Set(mine.compactMap { $0.shape.first }).sorted() {
            let rows = mine.filter { $0.shape.first == n }
            let k = rows.compactMap(\.rank).first.map(String.init) ?? "–"
            t.addRow([String(n), k] + randomized.map { v in
                rows.first { $0.variant == v }?.maxRelSigmaErr.map { String(format: "%.2e", $0) } ?? "–"
            })
        }
        return t
    }
}
