import Foundation
import SVDLLMKit

/// Runs `svdllm bench` for one element type.
struct KernelBench<T: GEMMScalar> {
    let options: BenchCommand
    var parallelism: Parallelism { .threads(options.threads) }

    func run() throws -> [BenchRecord] {
        switch options.kernel {
        case .gemm: return try benchGEMM()
        case .cholesky: return try benchCholesky()
        case .trsm: return try benchTriangularSolve()
        case .qr: return try benchQR()
        case .svd: return try benchSVD()
        case .dequant: return try DequantBench(options: options).run()   // Float output whatever T is
        }
    }

    /// The variants named by `--variant` (or all of them).
    func variants<V: RawRepresentable & CaseIterable>(_: V.Type) throws -> [V] where V.RawValue == String {
        if options.variant == "all" { return Array(V.allCases) }
        guard let v = V(rawValue: options.variant) else {
            let names = V.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("--variant: unknown '\(options.variant)' for \(options.kernel.rawValue); choose from \(names), all")
        }
        return [v]
    }

    func shapes(default defaults: String, dimensions: Int) throws -> [[Int]] {
        try ShapeList.parse(options.shapes ?? defaults, dimensions: dimensions)
    }

    @discardableResult
    func record(_ variant: String, _ shape: [Int], seconds: Double, flops: Double?, rank: Int? = nil,
                err: Double? = nil, sweeps: Int? = nil, cpuSeconds: Double? = nil) -> BenchRecord {
        let threads = variant == "naive" || variant == "unblocked" ? 1 : options.threads
        var r = BenchRecord(kernel: options.kernel.rawValue, variant: variant, shape: shape, dtype: T.dtypeName,
                            threads: threads, seconds: seconds, flops: flops, rank: rank, maxRelSigmaErr: err)
        r.sweeps = sweeps
        r.cpuMs = cpuSeconds.map { ($0 * 1e4).rounded() / 10 }
        options.emit(r)
        return r
    }

    // MARK: GEMM — C (m×n) = A (m×k) · B (k×n); 2mkn flops.

    func benchGEMM() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "512x512x512,1024x1024x1024,512x576x1536,512x1536x576,512x576x192,512x192x576",
                                dimensions: 3) {
            let (m, k, n) = (shape[0], shape[1], shape[2])
            let a = Matrix<T>.uniform(rows: m, cols: k, seed: 1)
            let b = Matrix<T>.uniform(rows: k, cols: n, seed: 2)
            var c = Matrix<T>(rows: m, cols: n)
            for v in try variants(GEMMVariant.self) {
                if v == .naive && Double(m) * Double(k) * Double(n) > 2.2e8 { continue }  // minutes, not seconds
                // Wall time and process CPU time (all threads), each the best of the runs: on a shared machine the
                // CPU time shows the work done, the wall time adds the waiting.
                var cpu = Double.infinity
                let t = a.withView { av in
                    b.withView { bv in
                        c.withMutableView { cv in
                            Stopwatch.best(repeats: options.repeats) {
                                let cpu0 = Stopwatch.processCPUSeconds()
                                gemm(.none, av, .none, bv, into: cv, variant: v, parallelism: parallelism,
                                     params: options.gemmParams)
                                cpu = Swift.min(cpu, Stopwatch.processCPUSeconds() - cpu0)
                            }
                        }
                    }
                }
                out.append(record(v.rawValue, shape, seconds: t, flops: 2 * Double(m) * Double(k) * Double(n),
                                  cpuSeconds: cpu))
            }
        }
        return out
    }

    // MARK: Cholesky of an SPD n×n matrix; n³/3 flops.

    func benchCholesky() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "576,1536", dimensions: 1) {
            let n = shape[0]
            let spd = Self.spd(n)
            var work = spd
            for v in try variants(CholeskyVariant.self) {
                if v == .unblocked && n > 2048 { continue }
                let t = try Stopwatch.best(repeats: options.repeats, setup: { work = spd }) {
                    try work.withMutableView { try choleskyInPlace($0, variant: v, parallelism: parallelism) }
                }
                out.append(record(v.rawValue, [n, n], seconds: t, flops: pow(Double(n), 3) / 3))
            }
        }
        return out
    }

    /// XᵀX/rows + I for a Gaussian X: symmetric positive definite and well conditioned.
    static func spd(_ n: Int) -> Matrix<T> {
        let x = Matrix<T>.gaussian(rows: n + 64, cols: n, seed: 5)
        var g = matmul(x, x, transA: .transposed)
        for i in 0..<n { for j in 0..<n { g[i, j] = g[i, j] / T(Double(n + 64)) } ; g[i, i] += 1 }
        return g
    }

    // MARK: Triangular solve L X = B, L m×m lower, B m×n; m²n flops.

    func benchTriangularSolve() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "576x576,1536x1536", dimensions: 2) {
            let (m, n) = (shape[0], shape[1])
            let l = Matrix<T>(rows: m, cols: m) { i, j in
                i == j ? T(2) : (j < i ? T(Double((i * 7 + j * 13) % 17) / 17 - 0.5) / T(Double(m)) : 0)
            }
            let b = Matrix<T>.uniform(rows: m, cols: n, seed: 3)
            var x = b
            for v in try variants(TriangularSolveVariant.self) {
                let t = l.withView { lv in
                    Stopwatch.best(repeats: options.repeats, setup: { x = b }) {
                        x.withMutableView { xv in
                            triangularSolve(side: .left, part: .lower, transpose: .none, diagonal: .nonUnit, lv, xv,
                                            variant: v, parallelism: parallelism)
                        }
                    }
                }
                out.append(record(v.rawValue, [m, n], seconds: t, flops: Double(m) * Double(m) * Double(n)))
            }
        }
        return out
    }

    // MARK: Householder QR of m×n (m ≥ n): 2mn² − 2n³/3 flops.

    func benchQR() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "1536x576,2048x2048", dimensions: 2) {
            let (m, n) = (shape[0], shape[1])
            let a = Matrix<T>.gaussian(rows: m, cols: n, seed: 4)
            let p = Double(min(m, n))
            let flops = 2 * Double(max(m, n)) * p * p - 2 * p * p * p / 3
            for v in try variants(QRVariant.self) {
                let t = Stopwatch.best(repeats: options.repeats) {
                    _ = HouseholderQR(a, variant: v, parallelism: parallelism)
                }
                out.append(record(v.rawValue, [m, n], seconds: t, flops: flops))
            }
        }
        return out
    }

    // MARK: SVD: thin Jacobi (exact) and randomized top-k (approximate, checked against Jacobi in Double).

    func benchSVD() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "576x576,576x1536,1536x576", dimensions: 2) {
            let (m, n) = (shape[0], shape[1])
            let a = Self.decayingSpectrum(rows: m, cols: n)
            var reference: [Double]?
            for v in try variants(SVDVariant.self) {
                let k = min(options.rank ?? max(1, min(m, n) / 4), min(m, n))
                let svdOptions = SVDOptions(
                    computeVectors: options.valuesOnly ? .valuesOnly : .thin,
                    algorithm: v.algorithm(rank: k, powerIterations: options.powerIters, seed: 7),
                    params: options.jacobiParams, parallelism: parallelism)
                var result: SVD<T>?
                let cpu0 = Stopwatch.processCPUSeconds()
                let t = try Stopwatch.best(repeats: options.repeats) { result = try SVD(a, options: svdOptions) }
                let cpu = (Stopwatch.processCPUSeconds() - cpu0) / Double(options.repeats)
                var err: Double?
                var rank: Int?
                if v.isRandomized || options.checkSigma {
                    if reference == nil {
                        reference = try SVD(a.converted(to: Double.self),
                                            options: SVDOptions(computeVectors: .valuesOnly,
                                                                // the plain QR-preconditioned Jacobi as reference
                                                                params: .init(qrPreconditioning: .whenTall,
                                                                              preconditioner: .qr),
                                                                parallelism: parallelism))
                            .singularValues
                    }
                    let s = result!.singularValues
                    err = (0..<s.count).map { abs(s[$0].asDouble - reference![$0]) / reference![$0] }.max() ?? 0
                    if v.isRandomized { rank = k }
                }
                out.append(record(v.rawValue, [m, n], seconds: t, flops: nil, rank: rank, err: err,
                                  sweeps: result!.sweeps, cpuSeconds: cpu))
            }
        }
        return out
    }

    /// A·diag(σ)·Bᵀ-like test matrix with a decaying spectrum: a Gaussian matrix whose column j is scaled by
    /// 1/(1 + j/8), so randomized variants have a spectrum to find (and Jacobi a generic input).
    static func decayingSpectrum(rows m: Int, cols n: Int) -> Matrix<T> {
        var a = Matrix<T>.gaussian(rows: m, cols: n, seed: 6)
        for i in 0..<m { for j in 0..<n { a[i, j] *= T(1 / (1 + Double(j) / 8)) } }
        return a
    }
}
