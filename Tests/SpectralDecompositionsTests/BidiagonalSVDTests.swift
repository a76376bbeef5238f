import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

/// Every path of the bidiagonal SVD at test sizes: tiny panels and leaves (divide and conquer from n = 3 on),
/// QR first or not, a large deflation tolerance (more deflation), the production defaults.
private let bidiagonalConfigs: [(name: String, params: BidiagonalSVDParams)] = [
    ("default", .init()),
    ("nb1 leaf2", .init(blockSize: 1, leafSize: 2, backTransformBlock: 1)),
    ("nb3 leaf3 noQR", .init(blockSize: 3, leafSize: 3, qrRatio: 1e9, backTransformBlock: 2)),
    ("nb4 leaf5 QR", .init(blockSize: 4, leafSize: 5, qrRatio: 1.0, backTransformBlock: 3)),
    ("leaf4 deflate", .init(blockSize: 2, leafSize: 4, deflationTolerance: 1e6)),
]

private func bidiagonalOptions(_ p: BidiagonalSVDParams, vectors: Bool = true,
                               parallelism: Parallelism = .serial) -> SVDOptions {
    SVDOptions(computeVectors: vectors ? .thin : .valuesOnly, algorithm: .bidiagonal, parallelism: parallelism,
               bidiagonal: p)
}

/// Q·B·Pᵀ rebuilt from a bidiagonalization (Double).
private func rebuild<T: GEMMScalar>(_ bd: Bidiagonalization<T>) -> Matrix<Double> {
    let (m, n) = (bd.factors.rows, bd.factors.cols)
    var b = Matrix<T>(rows: m, cols: n)
    for i in 0..<n {
        b[i, i] = bd.factors[i, i]
        if i + 1 < n { b[i, i + 1] = bd.factors[i, i + 1] }
    }
    // B·Pᵀ = (P·Bᵀ)ᵀ
    var bt = b.transposed()   // n × m
    applyBidiagonalReflectors(bd, .right, to: &bt, blockSize: 2, parallelism: .serial)
    var bpt = bt.transposed()   // m × n
    applyBidiagonalReflectors(bd, .left, to: &bpt, blockSize: 3, parallelism: .serial)
    return bpt.converted(to: Double.self)
}

@Test(arguments: [false, true])
func bidiagonalizationBlockedMatchesReference(double: Bool) throws {
    func run<T: GEMMScalar>(_: T.Type) {
        for (m, n) in [(1, 1), (5, 1), (2, 2), (7, 4), (9, 9), (23, 17), (40, 13)] {
            let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m * 31 + n))
            let ref = bidiagonalize_ref(a)
            let tol = 20 * T.machineEpsilon * Double(m)
            for nb in [1, 2, 3, 5, 32] {
                let bd = bidiagonalize(a, blockSize: nb, parallelism: .serial)
                // Same reflectors up to rounding: the factors agree entrywise.
                var diff = 0.0
                for i in 0..<(m * n) { diff = max(diff, abs(bd.factors.elements[i].asDouble - ref.factors.elements[i].asDouble)) }
                #expect(diff <= tol * a.maxAbs * 10, "\(m)×\(n) nb=\(nb): factors differ by \(diff)")
                let r = rebuild(bd)
                var err = 0.0
                for i in 0..<m { for j in 0..<n { err = max(err, abs(r[i, j] - a[i, j].asDouble)) } }
                #expect(err <= tol * a.maxAbs, "\(m)×\(n) nb=\(nb): ‖QBPᵀ − A‖ = \(err)")
            }
        }
    }
    if double { run(Double.self) } else { run(Float.self) }
}

/// ‖B − U Σ Vᵀ‖_max / ‖B‖ and orthogonality of an n × n bidiagonal's SVD (U, V with vectors as columns).
private func bidiagonalResidual(d: [Double], e: [Double], s: [Double], u: [Double], v: [Double]) -> (rec: Double, orth: Double) {
    let n = d.count
    var rec = 0.0, orth = 0.0
    let scale = max(d.map(abs).max() ?? 0, e.map(abs).max() ?? 0, 1e-300)
    for i in 0..<n {
        for j in 0..<n {
            var x = 0.0
            for k in 0..<n { x += u[i * n + k] * s[k] * v[j * n + k] }
            let b = i == j ? d[i] : (j == i + 1 ? e[i] : 0)
            rec = max(rec, abs(x - b) / scale)
            var pu = 0.0, pv = 0.0
            for k in 0..<n { pu += u[k * n + i] * u[k * n + j]; pv += v[k * n + i] * v[k * n + j] }
            orth = max(orth, abs(pu - (i == j ? 1 : 0)), abs(pv - (i == j ? 1 : 0)))
        }
    }
    return (rec, orth)
}

/// Bidiagonals that stress the QR iteration and the merges: random, graded both ways, zeros on the diagonal
/// and superdiagonal, repeated entries, tiny entries.
private func testBidiagonals(_ n: Int) -> [(name: String, d: [Double], e: [Double])] {
    var g = SeededGenerator(seed: UInt64(n))
    let rnd = { (count: Int) in (0..<count).map { _ in g.nextGaussian() } }
    var out: [(String, [Double], [Double])] = []
    out.append(("random", rnd(n), rnd(n - 1)))
    out.append(("graded down", (0..<n).map { pow(10, -12 * Double($0) / Double(n)) },
                (0..<(n - 1)).map { pow(10, -12 * Double($0) / Double(n)) * 0.5 }))
    out.append(("graded up", (0..<n).map { pow(10, -12 * Double(n - $0) / Double(n)) },
                (0..<(n - 1)).map { pow(10, -12 * Double(n - $0) / Double(n)) * 0.7 }))
    var dz = rnd(n), ez = rnd(n - 1)
    dz[n / 2] = 0
    dz[0] = 0
    ez[n / 3] = 0
    out.append(("zeros", dz, ez))
    out.append(("ones", [Double](repeating: 1, count: n), [Double](repeating: 1, count: n - 1)))
    out.append(("identity", [Double](repeating: 1, count: n), [Double](repeating: 0, count: n - 1)))
    out.append(("tiny e", rnd(n), rnd(n - 1).map { $0 * 1e-17 }))
    out.append(("zero", [Double](repeating: 0, count: n), [Double](repeating: 0, count: n - 1)))
    return out
}

@Test func bidiagonalQRAndDivideConquerOnHardBidiagonals() throws {
    for n in [1, 2, 3, 7, 16, isRelease ? 61 : 24] {
        for (name, d, e) in testBidiagonals(n) where d.count == n {
            let eps = Double.ulpOfOne
            let tol = 30 * eps * Double(n)
            // QR
            var dq = d, eq = e
            var ut = [Double](repeating: 0, count: n * n), vt = ut
            for i in 0..<n { ut[i * n + i] = 1; vt[i * n + i] = 1 }
            _ = try ut.withUnsafeMutableBufferPointer { u in
                try vt.withUnsafeMutableBufferPointer { v in
                    try bidiagonalQR(d: &dq, e: &eq, ut: u.baseAddress!, vt: v.baseAddress!, length: n,
                                     maxIterationFactor: 6)
                }
            }
            let q = bidiagonalResidual(d: d, e: e, s: dq, u: transposedSquare(ut, n), v: transposedSquare(vt, n))
            #expect(q.rec <= tol && q.orth <= tol, "QR \(name) n=\(n): \(q)")
            // values only: the same σ
            var dv = d, ev = e
            _ = try bidiagonalQR(d: &dv, e: &ev, ut: nil, vt: nil, length: 0, maxIterationFactor: 6)
            for i in 0..<n { #expect(abs(dv[i] - dq[i]) <= tol * max(dq[0], 1e-300), "values-only \(name) n=\(n)") }
            // divide and conquer at several leaf sizes and deflation tolerances
            for (leaf, defl) in [(2, 8.0), (3, 8.0), (5, 1e4)] {
                let p = BidiagonalSVDParams(leafSize: leaf, deflationTolerance: defl)
                let dc = try bidiagonalDivideConquer(d: d, e: e, params: p, parallelism: .serial)
                let r = bidiagonalResidual(d: d, e: e, s: dc.s, u: dc.u, v: dc.v)
                #expect(r.rec <= tol * (defl > 100 ? 1e3 : 1) && r.orth <= tol, "D&C \(name) n=\(n) leaf=\(leaf): \(r)")
                for i in 0..<n {
                    #expect(abs(dc.s[i] - dq[i]) <= tol * max(dq[0], 1e-300) * (defl > 100 ? 1e3 : 1),
                            "D&C σ \(name) n=\(n) leaf=\(leaf) i=\(i): \(dc.s[i]) vs \(dq[i])")
                }
                if i0Sorted(dc.s) == false { Issue.record("D&C σ not descending: \(name) n=\(n)") }
            }
        }
    }
}

private func i0Sorted(_ s: [Double]) -> Bool { zip(s, s.dropFirst()).allSatisfy { $0 >= $1 && $1 >= 0 } }

@Test(arguments: [false, true])
func bidiagonalConfigurationsGiveValidSVDs(double: Bool) throws {
    let shapes: [(Int, Int)] = [(1, 1), (1, 7), (7, 1), (2, 2), (3, 3), (9, 5), (5, 9), (12, 12), (23, 17), (17, 23),
                                (40, 9)] + (isRelease ? [(64, 40), (40, 64), (50, 50), (97, 31)] : [])
    for (m, n) in shapes {
        for cfg in bidiagonalConfigs {
            let seed = UInt64(m * 100 + n)
            // Deflation perturbs B by up to tol = deflationTolerance·ε·‖B‖ per deflated value.
            let factor = 5 * max(1, cfg.params.deflationTolerance / 8)
            let failures: [String]
            if double {
                let a = Matrix<Double>.gaussian(rows: m, cols: n, seed: seed)
                failures = expectValidSVD(a, try SVD(a, options: bidiagonalOptions(cfg.params)), factor: factor)
            } else {
                let a = Matrix<Float>.gaussian(rows: m, cols: n, seed: seed)
                failures = expectValidSVD(a, try SVD(a, options: bidiagonalOptions(cfg.params)), factor: factor)
            }
            #expect(failures.isEmpty, "\(m)×\(n) \(cfg.name): \(failures)")
        }
    }
}

/// The adversarial spectra of the Jacobi tests, decomposed by the bidiagonal SVD in Double and Float and
/// compared with the Jacobi SVD of the same matrix in Double (the accuracy reference): |σᵢ − σᵢʲᵃᶜ| ≤ c·ε·n·σ₁
/// (bidiagonalization guarantees absolute accuracy), and for the well-conditioned matrix ≤ 1e-12 (f64) / 1e-5
/// (f32) relative.
@Test func bidiagonalMatchesJacobiReference() throws {
    let n = isRelease ? 48 : 20
    let m = n + 13
    let spectra: [(String, [Double])] = [
        ("graded 12 orders", (0..<n).map { pow(10, -12 * Double($0) / Double(n - 1)) }),
        ("clustered", (0..<n).map { i -> Double in i < n / 4 ? 3 : (i < n / 2 ? 1 + 1e-9 * Double(i) : 0.5) }
            .sorted(by: >)),
        ("repeated", [Double](repeating: 2, count: n)),
        ("rank deficient", (0..<n).map { $0 < n / 3 ? Double(n - $0) : 0 }),
        ("well conditioned", (0..<n).map { 1 + Double(n - $0) / Double(n) }),
    ]
    let configs: [BidiagonalSVDParams] = [.init(), .init(blockSize: 3, leafSize: 4), .init(blockSize: 5, leafSize: 2, qrRatio: 1)]
    for (name, sigma) in spectra {
        for (rows, cols) in [(m, n), (n, m), (n, n)] {
            let a = matrixWithSpectrum(rows: rows, cols: cols, sigma: sigma, seed: 91, Double.self)
            let ref = try SVD(a).singularValues
            let af = a.converted(to: Float.self)
            let refF = try SVD(af.converted(to: Double.self)).singularValues   // the Float matrix's exact σ
            for p in configs {
                let opts = SVDOptions(algorithm: .bidiagonal, bidiagonal: p)
                let svd = try SVD(a, options: opts)
                #expect(expectValidSVD(a, svd).isEmpty, "\(name) \(rows)×\(cols): \(expectValidSVD(a, svd))")
                let svdF = try SVD(af, options: opts)
                #expect(expectValidSVD(af, svdF).isEmpty, "f32 \(name) \(rows)×\(cols): \(expectValidSVD(af, svdF))")
                for i in 0..<n {
                    let err = abs(svd.singularValues[i] - ref[i])
                    #expect(err <= 4 * Double.ulpOfOne * Double(m) * ref[0], "\(name) \(rows)×\(cols) σ\(i): \(err)")
                    let errF = abs(Double(svdF.singularValues[i]) - refF[i])
                    #expect(errF <= 4 * Float.machineEpsilon * Double(m) * refF[0], "f32 \(name) σ\(i): \(errF)")
                    if name == "well conditioned" {
                        #expect(err / ref[i] <= 1e-12)
                        #expect(errF / refF[i] <= 1e-5)
                    }
                }
            }
        }
    }
}

/// Float and Double runs of the same matrix agree to Float accuracy, singular vectors included (well-separated
/// spectrum, so the vectors are unique under the sign convention).
@Test func bidiagonalFloatMatchesDouble() throws {
    let n = isRelease ? 60 : 24
    let sigma = (0..<n).map { 1 + Double(n - $0) }
    let a = matrixWithSpectrum(rows: n + 20, cols: n, sigma: sigma, seed: 17, Double.self)
    let p = BidiagonalSVDParams(blockSize: 8, leafSize: 6)
    let d = try SVD(a, options: .init(algorithm: .bidiagonal, bidiagonal: p))
    let f = try SVD(a.converted(to: Float.self), options: .init(algorithm: .bidiagonal, bidiagonal: p))
    for i in 0..<n { #expect(abs(Double(f.singularValues[i]) - d.singularValues[i]) <= 20 * Float.machineEpsilon * sigma[0]) }
    var worst = 0.0
    for i in 0..<n { for j in 0..<n { worst = max(worst, abs(Double(f.vt![i, j]) - d.vt![i, j])) } }
    #expect(worst <= 1e3 * Float.machineEpsilon, "Vᵀ differs by \(worst)")
}

@Test func bidiagonalValuesOnlyAndThreads() throws {
    let a = Matrix<Double>.gaussian(rows: 70, cols: 45, seed: 23)
    let p = BidiagonalSVDParams(blockSize: 6, leafSize: 5)
    let thin = try SVD(a, options: bidiagonalOptions(p))
    let values = try SVD(a, options: bidiagonalOptions(p, vectors: false))
    let threaded = try SVD(a, options: bidiagonalOptions(p, parallelism: .threads(2)))
    #expect(values.u == nil && values.vt == nil)
    #expect(expectValidSVD(a, threaded).isEmpty)
    for i in 0..<45 {
        #expect(abs(thin.singularValues[i] - values.singularValues[i]) <= 20 * Double.ulpOfOne * thin.singularValues[0])
        #expect(abs(thin.singularValues[i] - threaded.singularValues[i]) <= 20 * Double.ulpOfOne * thin.singularValues[0])
    }
}

// MARK: The merge problem: secular equation and deflation on hand-made cases.

/// M = [z; 0 diag(d₁…)] as a matrix.
private func arrowMatrix(d: [Double], z: [Double]) -> Matrix<Double> {
    let n = d.count
    var m = Matrix<Double>(rows: n, cols: n)
    for j in 0..<n { m[0, j] = z[j] }
    for i in 1..<n { m[i, i] = d[i] }
    return m
}

@Test func arrowheadDeflationCases() throws {
    let cases: [(name: String, d: [Double], z: [Double], deflated: Int)] = [
        ("no deflation", [0, 0.5, 1, 2, 3.5], [0.3, -0.7, 0.2, 1.1, -0.4], 0),
        ("tiny z", [0, 0.5, 1, 2, 3.5], [0.3, -0.7, 1e-20, 1.1, -0.4], 1),
        ("equal poles", [0, 1, 2, 2, 3], [0.5, 0.5, 0.6, -0.8, 0.1], 1),
        ("close poles", [0, 1, 2, 2 + 1e-17, 2 + 2e-17, 3], [0.5, 0.5, 0.6, -0.8, 0.3, 0.1], 2),
        ("pole at zero", [0, 1e-20, 1, 2], [0.5, 0.4, 0.6, 0.1], 1),
        ("z0 zero", [0, 1, 2], [0, 0.6, 0.1], 0),
        ("all z tiny but z0", [0, 1, 2, 3], [2, 1e-19, -1e-19, 0], 3),
        ("single", [0], [-3], 0),
        ("zero", [0, 0, 0], [0, 0, 0], 3),
        ("unsorted with clusters", [0, 3, 1, 3, 1e-3, 1 + 1e-12], [1, 1, 1, 1, 1, 1], 1),
    ]
    for c in cases {
        let n = c.d.count
        let ah = arrowheadSVD(d: c.d, z: c.z, toleranceFactor: 8)
        #expect(ah.deflated == c.deflated, "\(c.name): deflated \(ah.deflated)")
        let mat = arrowMatrix(d: c.d, z: c.z)
        let ref = try SVD(mat).singularValues
        let scale = max(ref[0], 1e-300)
        for i in 0..<n { #expect(abs(ah.sigma[i] - ref[i]) <= 40 * Double.ulpOfOne * scale, "\(c.name) σ\(i): \(ah.sigma[i]) vs \(ref[i])") }
        // M = U Σ Vᵀ and orthogonality.
        let r = residual(mat, ah)
        #expect(r.rec <= 40 * Double.ulpOfOne * Double(n) && r.orth <= 40 * Double.ulpOfOne * Double(n), "\(c.name): \(r)")
    }
}

private func residual(_ mat: Matrix<Double>, _ ah: ArrowheadSVD) -> (rec: Double, orth: Double) {
    let n = mat.rows
    var rec = 0.0, orth = 0.0
    let scale = max(mat.maxAbs, 1e-300)
    for i in 0..<n {
        for j in 0..<n {
            var x = 0.0, pu = 0.0, pv = 0.0
            for k in 0..<n {
                x += ah.u[i * n + k] * ah.sigma[k] * ah.v[j * n + k]
                pu += ah.u[k * n + i] * ah.u[k * n + j]
                pv += ah.v[k * n + i] * ah.v[k * n + j]
            }
            rec = max(rec, abs(x - mat[i, j]) / scale)
            orth = max(orth, abs(pu - (i == j ? 1 : 0)), abs(pv - (i == j ? 1 : 0)))
        }
    }
    return (rec, orth)
}

/// Roots interlace the poles, satisfy f(σ) ≈ 0, and match the closed form for K = 2 (σ of [z₀ z₁; 0 d₁]) — also
/// for a root within rounding of its pole (z₁ tiny relative to the gap), kept accurate by the origin shift.
@Test func secularEquationRoots() throws {
    for (d1, z0, z1) in [(1.0, 0.5, 0.5), (1.0, 1e-8, 1e-8), (1e-5, 1.0, 1.0), (2.0, 3.0, 1e-9)] {
        let roots = solveSecularEquation(d: [0, d1], z: [z0, z1])
        let big = hypotD(hypotD(z0, z1), d1)   // ≥ σ_max: use the closed forms
        let smin = smallerSingularValue(z0, z1, d1)
        let smax = abs(z0 * d1) / smin
        #expect(abs(roots.sigma[0] - smin) <= 4 * Double.ulpOfOne * smin, "σ_min \(roots.sigma[0]) vs \(smin)")
        #expect(abs(roots.sigma[1] - smax) <= 4 * Double.ulpOfOne * big, "σ_max \(roots.sigma[1]) vs \(smax)")
    }
    var g = SeededGenerator(seed: 5)
    let k = 40
    var d = [0.0]
    for _ in 1..<k { d.append(d.last! + 0.01 + abs(g.nextGaussian())) }
    d[7] = d[6] + 1e-9   // a close (not deflated) pair
    let z = (0..<k).map { _ in g.nextGaussian() * 0.3 }
    let roots = solveSecularEquation(d: d, z: z)
    for j in 0..<k {
        #expect(roots.sigma[j] > d[j] && (j == k - 1 || roots.sigma[j] < d[j + 1]), "root \(j) out of its interval")
        var f = 1.0, size = 1.0
        for i in 0..<k {
            let delta = -secularGap(roots, d, root: j, pole: i) * (d[i] + roots.sigma[j])
            f += z[i] * z[i] / delta
            size += abs(z[i] * z[i] / delta)
        }
        #expect(abs(f) <= 1e3 * Double.ulpOfOne * size, "f(σ\(j)) = \(f)")
    }
    #expect(roots.maxIterations <= 30)
    let (u, v) = secularVectors(d: d, z: z, roots: roots)
    var orth = 0.0
    for i in 0..<k {
        for j in 0..<k {
            var pu = 0.0, pv = 0.0
            for t in 0..<k { pu += u[i * k + t] * u[j * k + t]; pv += v[i * k + t] * v[j * k + t] }
            orth = max(orth, abs(pu - (i == j ? 1 : 0)), abs(pv - (i == j ? 1 : 0)))
        }
    }
    #expect(orth <= 50 * Double.ulpOfOne * Double(k), "secular vectors orthogonality \(orth)")
}

/// The deflation-aware merge product equals one dense GEMM (its `_ref`), for B with dense, unit and 2-sparse
/// columns and zero rows.
@Test func sparseColumnProductMatchesReference() {
    var g = SeededGenerator(seed: 77)
    for (m, p, nc) in [(1, 1, 1), (5, 3, 4), (17, 12, 15), (30, 25, 31)] {
        var a = [Double](repeating: 0, count: m * p), b = [Double](repeating: 0, count: p * nc)
        for i in 0..<(m * p) { a[i] = g.nextGaussian() }
        for j in 0..<nc {
            switch j % 3 {
            case 0: for r in 0..<p where r % 4 != 1 { b[r * nc + j] = g.nextGaussian() }   // dense, row 1 mod 4 zero
            case 1: b[(j % p) * nc + j] = 1                                                  // unit
            default: b[(j % p) * nc + j] = 0.6; b[((j + 1) % p) * nc + j] = -0.8            // rotated pair
            }
        }
        var c = [Double](repeating: .nan, count: m * nc), r = [Double](repeating: 0, count: m * nc)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                let av = MatrixView(base: ab.baseAddress!, rows: m, cols: p, rowStride: p)
                c.withUnsafeMutableBufferPointer { cb in
                    sparseColumnProduct(av, bb.baseAddress!, rows: p, cols: nc,
                                        into: MutableMatrixView(base: cb.baseAddress!, rows: m, cols: nc, rowStride: nc),
                                        parallelism: .serial)
                }
                r.withUnsafeMutableBufferPointer { rb in
                    sparseColumnProduct_ref(av, bb.baseAddress!, rows: p, cols: nc,
                                            into: MutableMatrixView(base: rb.baseAddress!, rows: m, cols: nc, rowStride: nc))
                }
            }
        }
        let worst = zip(c, r).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 10 * Double.ulpOfOne * Double(p), "\(m)×\(p)×\(nc): \(worst)")
    }
}

/// The iteration limit is a typed error.
@Test func bidiagonalQRIterationLimit() {
    var d = [3.0, 1, 2, 0.5], e = [0.7, 0.4, 0.9]
    #expect(throws: SVDError.noConvergence(sweeps: 0)) {
        try bidiagonalQR(d: &d, e: &e, ut: nil, vt: nil, length: 0, maxIterationFactor: 0)
    }
}

/// Only the leading c singular vectors (``SVDOptions/leadingVectors``): every singular value as the full SVD's,
/// U and Vᵀ the full SVD's leading c columns and rows, for square, tall (with and without QR first) and wide
/// shapes in every configuration, Float and Double, c = 0, 1, k/3, k and past k; the Jacobi SVD keeps the first c
/// of its vectors.
@Test(arguments: [false, true])
func bidiagonalLeadingVectorsAreTheFullSVDsLeadingOnes(double: Bool) throws {
    func run<T: GEMMScalar>(_: T.Type) throws {
        for (m, n) in [(30, 30), (45, 17), (17, 45), (40, 29)] {
            let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m * 7 + n))
            let k = min(m, n)
            for cfg in bidiagonalConfigs {
                let full = try SVD(a, options: bidiagonalOptions(cfg.params))
                for c in [0, 1, k / 3, k, k + 5] {
                    var options = bidiagonalOptions(cfg.params)
                    options.leadingVectors = c
                    let lead = try SVD(a, options: options)
                    let kept = min(c, k)
                    #expect(lead.u!.rows == m && lead.u!.cols == kept && lead.vt!.rows == kept && lead.vt!.cols == n)
                    let tol = 100 * T.machineEpsilon * full.singularValues[0].asDouble
                    var worstS = 0.0, worstV = 0.0
                    for i in 0..<k { worstS = max(worstS, abs(lead.singularValues[i].asDouble - full.singularValues[i].asDouble)) }
                    for j in 0..<kept {
                        for i in 0..<m { worstV = max(worstV, abs(lead.u![i, j].asDouble - full.u![i, j].asDouble)) }
                        for i in 0..<n { worstV = max(worstV, abs(lead.vt![j, i].asDouble - full.vt![j, i].asDouble)) }
                    }
                    #expect(worstS <= tol, "\(T.self) \(m)×\(n) \(cfg.name) c=\(c): σ differ by \(worstS)")
                    #expect(worstV <= 1e3 * T.machineEpsilon, "\(T.self) \(m)×\(n) \(cfg.name) c=\(c): vectors differ by \(worstV)")
                    #expect(zip(lead.singularValues, lead.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
                }
            }
            let jacobi = try SVD(a, options: SVDOptions(leadingVectors: 2))
            #expect(jacobi.u!.cols == 2 && jacobi.vt!.rows == 2 && jacobi.singularValues.count == k)
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}
