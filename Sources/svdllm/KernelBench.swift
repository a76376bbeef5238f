import Foundation
import SVDLLMKit

/// Runs a ``KernelBenchPlan`` for one element type, handing each measurement to `emit` as it is made.
struct KernelBench<T: GEMMScalar> {
    let options: KernelBenchPlan
    var emit: (BenchRecord) -> Void = { _ in }
    var parallelism: Parallelism { .threads(options.threads) }

    func run() throws -> [BenchRecord] {
        switch options.kernel {
        case .gemm: return try benchGEMM()
        case .syrk: return try benchSYRK()
        case .cholesky: return try benchCholesky()
        case .trsm: return try benchTriangularSolve()
        case .qr: return try benchQR()
        case .svd: return try benchSVD()
        case .dequant: throw CLIError("dequant is measured by DequantBench (svdllm bench dequant)")
        case .gemv: throw CLIError("gemv is measured by GEMVBench (svdllm bench gemv)")
        }
    }

    /// The variants the plan names (or all of them), in the enum's order.
    func variants<V: RawRepresentable & CaseIterable>(_: V.Type) throws -> [V] where V.RawValue == String {
        guard let names = options.variants else { return Array(V.allCases) }
        for name in names where V(rawValue: name) == nil {
            let known = V.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("--variant: unknown '\(name)' for \(options.kernel.rawValue); choose from \(known), all")
        }
        return V.allCases.filter { names.contains($0.rawValue) }
    }

    func shapes(default defaults: String, dimensions: Int) throws -> [[Int]] {
        try ShapeList.parse(options.shapes ?? defaults, dimensions: dimensions)
    }

    @discardableResult
    func record(_ variant: String, _ shape: [Int], seconds: Double, flops: Double?, rank: Int? = nil,
                err: Double? = nil, sweeps: Int? = nil, cpuSeconds: Double? = nil, dtype: String? = nil) -> BenchRecord {
        let threads = variant == "naive" || variant == "unblocked" ? 1 : options.threads
        var r = BenchRecord(kernel: options.kernel.rawValue, variant: variant, shape: shape, dtype: dtype ?? T.dtypeName,
                            threads: threads, seconds: seconds, flops: flops, rank: rank, maxRelSigmaErr: err)
        r.sweeps = sweeps
        r.cpuMs = cpuSeconds.map { ($0 * 1e4).rounded() / 10 }
        emit(r)
        return r
    }

    // MARK: GEMM — C (m×n) = A (m×k) · B (k×n); 2mkn flops.

    func benchGEMM() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "512x512x512,1024x1024x1024,512x576x1536,512x1536x576,512x576x192,512x192x576",
                                dimensions: 3) {
            let (m, k, n) = (shape[0], shape[1], shape[2])
            let a = Matrix<T>.uniform(rows: m, cols: k, seed: 1)
            let transB: Transpose = options.transposeB ? .transposed : .none
            let b = options.transposeB ? Matrix<T>.uniform(rows: n, cols: k, seed: 2) : Matrix<T>.uniform(rows: k, cols: n, seed: 2)
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
                                gemm(.none, av, transB, bv, into: cv, variant: v, parallelism: parallelism,
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

    // MARK: SYRK — C (n×n, lower) += Aᵀ·A, A (k×n): tokens × features; n²k flops (the lower triangle's
    // n(n+1)/2 entries at 2k flops each, rounded to n²k).

    func benchSYRK() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        // --kc: the depth of a slab; --nc-in-l2: the macro-tile (0: from the caches).
        let syrkParams = SYRKParams(kc: options.gemmParams.kc, tile: options.gemmParams.ncInL2)
        if options.widen && T.self != Double.self { throw CLIError("syrk --widen needs --dtype f64") }
        for shape in try shapes(default: "512x576,512x1536,2048x1536", dimensions: 2) {
            let (k, n) = (shape[0], shape[1])
            let a = Matrix<T>.uniform(rows: k, cols: n, seed: 1)
            let aFloat = Matrix<Float>.uniform(rows: k, cols: n, seed: 1)
            var c = Matrix<T>(rows: n, cols: n), cDouble = Matrix<Double>(rows: n, cols: n)
            for v in try variants(SYRKVariant.self) {
                if v == .naive && Double(n) * Double(n) * Double(k) > 2.2e8 { continue }
                var cpu = Double.infinity
                let t = Stopwatch.best(repeats: options.repeats) {
                    let cpu0 = Stopwatch.processCPUSeconds()
                    if options.widen {
                        aFloat.withView { av in
                            cDouble.withMutableView {
                                syrk(av, into: $0, beta: 1, accumulation: options.accumulation, variant: v,
                                     parallelism: parallelism, params: syrkParams)
                            }
                        }
                    } else {
                        a.withView { av in
                            c.withMutableView { syrk(av, into: $0, beta: 1, variant: v, parallelism: parallelism, params: syrkParams) }
                        }
                    }
                    cpu = Swift.min(cpu, Stopwatch.processCPUSeconds() - cpu0)
                }
                out.append(record(v.rawValue, shape, seconds: t, flops: Double(n) * Double(n) * Double(k),
                                  cpuSeconds: cpu,
                                  dtype: !options.widen ? nil : options.accumulation == .double ? "f32>f64"
                                      : "f32>f64 \(options.accumulation.rawValue)"))
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

    // MARK: SVD: thin Jacobi and bidiagonal (exact) and randomized top-k (approximate).
    //
    // Jacobi and bidiagonal variants run on ``decayingSpectrum(rows:cols:)`` (a column-graded Gaussian matrix; with
    // --check-sigma, max_rel_sigma_err is against a Double Jacobi reference). Randomized variants run on
    // ``knownSpectrum(rows:cols:)`` (σᵢ = exp(−16i/min(m, n)) with random orthogonal factors) and
    // max_rel_sigma_err is the largest relative error of the top-k σ against those exact σᵢ.

    func benchSVD() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        for shape in try shapes(default: "576x576,576x1536,1536x576", dimensions: 2) {
            let (m, n) = (shape[0], shape[1])
            var graded: Matrix<T>?
            var known: (a: Matrix<T>, sigma: [Double])?
            var reference: [Double]?
            for v in try variants(SVDVariant.self) {
                let k = min(options.rank ?? max(1, min(m, n) / 4), min(m, n))
                let p = options.oversampling ?? max(10, k / 4)
                let a: Matrix<T>
                if v.isRandomized {
                    if known == nil { known = Self.knownSpectrum(rows: m, cols: n, parallelism: parallelism) }
                    a = known!.a
                } else {
                    if graded == nil { graded = Self.decayingSpectrum(rows: m, cols: n) }
                    a = graded!
                }
                let svdOptions = SVDOptions(
                    computeVectors: options.valuesOnly ? .valuesOnly : .thin,
                    algorithm: v.algorithm(rank: k, oversampling: p, powerIterations: options.powerIters, seed: 7,
                                           mixedPrecisionRange: options.mixedRange ?? true),
                    params: options.jacobiParams, parallelism: parallelism, bidiagonal: options.bidiagonalParams)
                var result: SVD<T>?
                let cpu0 = Stopwatch.processCPUSeconds()
                let t = try Stopwatch.best(repeats: options.repeats) { result = try SVD(a, options: svdOptions) }
                let cpu = (Stopwatch.processCPUSeconds() - cpu0) / Double(options.repeats)
                var err: Double?
                var rank: Int?
                let s = result!.singularValues
                if v.isRandomized {
                    err = (0..<s.count).map { abs(s[$0].asDouble - known!.sigma[$0]) / known!.sigma[$0] }.max() ?? 0
                    rank = k
                } else if options.checkSigma {
                    if reference == nil {
                        reference = try SVD(a.converted(to: Double.self),
                                            options: SVDOptions(computeVectors: .valuesOnly,
                                                                // the plain QR-preconditioned Jacobi as reference
                                                                params: .init(qrPreconditioning: .whenTall,
                                                                              preconditioner: .qr),
                                                                parallelism: parallelism))
                            .singularValues
                    }
                    err = (0..<s.count).map { abs(s[$0].asDouble - reference![$0]) / reference![$0] }.max() ?? 0
                }
                out.append(record(v.rawValue, [m, n], seconds: t, flops: nil, rank: rank, err: err,
                                  sweeps: result!.sweeps, cpuSeconds: cpu))
            }
        }
        return out
    }

    /// Q₁·diag(σ)·Q₂ᵀ (m × n) with σᵢ = exp(−16i/min(m, n)) (σ₁ = 1, σ at i = min(m, n)/4 is e⁻⁴) and Q₁ (m × p),
    /// Q₂ (n × p) the thin Q factors of seeded Gaussian matrices (p = min(m, n)): a matrix with an exactly known,
    /// smoothly decaying spectrum, built in Double and rounded to T once. Returns it with σ.
    static func knownSpectrum(rows m: Int, cols n: Int, parallelism: Parallelism) -> (a: Matrix<T>, sigma: [Double]) {
        let p = min(m, n)
        let sigma = (0..<p).map { exp(-16 * Double($0) / Double(p)) }
        var q1 = HouseholderQR(Matrix<Double>.gaussian(rows: m, cols: p, seed: 21), parallelism: parallelism)
            .thinQ(parallelism: parallelism)   // m × p
        let q2 = HouseholderQR(Matrix<Double>.gaussian(rows: n, cols: p, seed: 22), parallelism: parallelism)
            .thinQ(parallelism: parallelism)   // n × p
        for i in 0..<m { for j in 0..<p { q1[i, j] *= sigma[j] } }
        let a = matmul(q1, q2, transB: .transposed, parallelism: parallelism)   // m × n
        return (a.converted(to: T.self), sigma)
    }

    /// A·diag(σ)·Bᵀ-like test matrix with a decaying spectrum: a Gaussian matrix whose column j is scaled by
    /// 1/(1 + j/8), so randomized variants have a spectrum to find (and Jacobi a generic input).
    static func decayingSpectrum(rows m: Int, cols n: Int) -> Matrix<T> {
        var a = Matrix<T>.gaussian(rows: m, cols: n, seed: 6)
        for i in 0..<m { for j in 0..<n { a[i, j] *= T(1 / (1 + Double(j) / 8)) } }
        return a
    }
}
