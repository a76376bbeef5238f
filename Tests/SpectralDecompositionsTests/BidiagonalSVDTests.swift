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
