import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

private let shapes: [(Int, Int)] = [(1, 1), (1, 7), (7, 1), (2, 2), (9, 5), (5, 9), (12, 12), (23, 17), (17, 23)]

@Test(arguments: [false, true])
func jacobiConfigurationsGiveValidSVDs(double: Bool) throws {
    for (m, n) in shapes + (isRelease ? [(64, 40), (40, 64), (50, 50)] : []) {
        for cfg in jacobiConfigurations() {
            let opts = SVDOptions(algorithm: cfg.algorithm, params: cfg.params, parallelism: cfg.par)
            let seed = UInt64(m * 100 + n)
            let failures: [String]
            if double {
                let a = Matrix<Double>.gaussian(rows: m, cols: n, seed: seed)
                failures = expectValidSVD(a, try SVD(a, options: opts))
            } else {
                let a = Matrix<Float>.gaussian(rows: m, cols: n, seed: seed)
                failures = expectValidSVD(a, try SVD(a, options: opts))
            }
            #expect(failures.isEmpty, "\(m)×\(n) \(cfg.name): \(failures)")
        }
    }
}

@Test func valuesOnlyMatchesThin() throws {
    let a = Matrix<Double>.gaussian(rows: 30, cols: 18, seed: 5)
    for alg in [SVDAlgorithm.jacobi, .jacobiBlocked] {
        let thin = try SVD(a, options: .init(algorithm: alg))
        let values = try SVD(a, options: .init(computeVectors: .valuesOnly, algorithm: alg))
        #expect(values.u == nil && values.vt == nil)
        for (x, y) in zip(thin.singularValues, values.singularValues) {
            #expect(abs(x - y) <= 10 * Double.ulpOfOne * thin.singularValues[0])
        }
    }
}

@Test func parallelRoundRobinIsBitwiseSerial() throws {
    let a = Matrix<Float>.gaussian(rows: 40, cols: 33, seed: 9)
    for alg in [SVDAlgorithm.jacobi, .jacobiBlocked] {
        let p = JacobiParams(blockSize: 4, parallelWorkThreshold: 0)
        let s = try SVD(a, options: .init(algorithm: alg, params: p))
        let t = try SVD(a, options: .init(algorithm: alg, params: p, parallelism: .threads(2)))
        #expect(s.singularValues == t.singularValues && s.u == t.u && s.vt == t.vt)
    }
}

/// Blocked Jacobi against the scalar reference: same σ to a few ε·σ₁ and, for a well separated spectrum,
/// the same singular vectors (the sign convention makes them unique).
@Test(arguments: [false, true])
func blockedMatchesScalar(double: Bool) throws {
    let (m, n) = isRelease ? (90, 70) : (30, 22)
    let sigma = (0..<n).map { 1.0 + Double(n - $0) }   // n, n−1, …, 1: gaps ≥ 1
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 3, T.self)
        let ref = try SVD(a)
        for bs in [0, 3, 8] {
            let blk = try SVD(a, options: .init(algorithm: .jacobiBlocked, params: .init(blockSize: bs)))
            #expect(expectValidSVD(a, blk).isEmpty)
            let tol = 50 * T.machineEpsilon * Double(n)
            for i in 0..<n {
                #expect(abs(ref.singularValues[i].asDouble - blk.singularValues[i].asDouble)
                        <= 5 * T.machineEpsilon * sigma[0] * Double(n))
            }
            let du = zip(ref.u!.elements, blk.u!.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            let dv = zip(ref.vt!.elements, blk.vt!.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            #expect(du <= tol && dv <= tol, "block \(bs): |ΔU| \(du), |ΔV| \(dv), tol \(tol)")
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

@Test func floatAgreesWithDouble() throws {
    let n = isRelease ? 80 : 24
    let a = Matrix<Double>.gaussian(rows: n + 7, cols: n, seed: 11)
    let d = try SVD(a).singularValues
    let f = try SVD(a.converted(to: Float.self)).singularValues
    let tol = 10 * Float.machineEpsilon * Double(n).squareRoot() * d[0]
    for i in 0..<n { #expect(abs(Double(f[i]) - d[i]) <= tol, "σ\(i): \(f[i]) vs \(d[i])") }
}

@Test(arguments: [false, true])
func singularValuesAreOrthogonallyInvariant(double: Bool) throws {
    let (m, n) = isRelease ? (60, 45) : (20, 14)
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = Matrix<T>.gaussian(rows: m, cols: n, seed: 21)
        let q1 = randomOrthogonal(m, seed: 22, T.self), q2 = randomOrthogonal(n, seed: 23, T.self)
        let b = matmul(matmul(q1, a), q2, transB: .transposed)
        let sa = try SVD(a, options: .init(computeVectors: .valuesOnly)).singularValues
        let sb = try SVD(b, options: .init(computeVectors: .valuesOnly)).singularValues
        let tol = 20 * T.machineEpsilon * Double(m).squareRoot() * sa[0].asDouble
        for i in 0..<n { #expect(abs(sa[i].asDouble - sb[i].asDouble) <= tol) }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// A = Q₁ diag(σ) Q₂ᵀ with known σ. Asserted: |σ̂ᵢ − σᵢ| ≤ c·ε·√n·σ₁ (absolute accuracy relative to σ₁, which
/// is all that a matrix rounded to T once can promise for an arbitrary, ungraded spectrum).
@Test(arguments: [false, true])
func knownSpectrumIsRecovered(double: Bool) throws {
    let (m, n) = isRelease ? (120, 80) : (26, 18)
    let sigma = (0..<n).map { pow(10.0, -6.0 * Double($0) / Double(n - 1)) }   // 1 … 1e-6
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 31, T.self)
        for alg in [SVDAlgorithm.jacobi, .jacobiBlocked] {
            let svd = try SVD(a, options: .init(algorithm: alg))
            #expect(expectValidSVD(a, svd).isEmpty)
            let tol = 10 * T.machineEpsilon * Double(m).squareRoot()
            for i in 0..<n { #expect(abs(svd.singularValues[i].asDouble - sigma[i]) <= tol, "σ\(i)") }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// Relative accuracy on a graded matrix A = B·D (B well conditioned, D spanning 10 orders): every σ, the tiny
/// ones included, to a small multiple of ε·κ(B) relative to itself (Demmel–Veselić). Float results are
/// checked against the Double SVD of the same (Float-rounded) matrix.
@Test func gradedMatrixHasRelativeAccuracy() throws {
    let (m, n) = isRelease ? (60, 30) : (20, 10)
    let b = Matrix<Double>.gaussian(rows: m, cols: n, seed: 41)
    let a = Matrix<Float>(rows: m, cols: n) { i, j in Float(b[i, j] * pow(10.0, -10.0 * Double(j) / Double(n - 1))) }
    let ref = try SVD(a.converted(to: Double.self)).singularValues
    for qr in QRPreconditioning.allCases {
        let f = try SVD(a, options: .init(computeVectors: .valuesOnly, params: .init(qrPreconditioning: qr)))
        for i in 0..<n {
            let rel = abs(Double(f.singularValues[i]) - ref[i]) / ref[i]
            #expect(rel <= 200 * Float.machineEpsilon, "\(qr) σ\(i) = \(ref[i]): relative error \(rel)")
        }
    }
}

@Test func sweepLimitThrowsNoConvergence() {
    let a = Matrix<Double>.gaussian(rows: 12, cols: 10, seed: 2)
    for alg in [SVDAlgorithm.jacobi, .jacobiBlocked] {
        #expect(throws: SVDError.noConvergence(sweeps: 1)) {
            try SVD(a, options: .init(algorithm: alg, params: .init(maxSweeps: 1, blockSize: 3)))
        }
    }
}

@Test func rankAndTruncation() throws {
    let a = Matrix<Double>.gaussian(rows: 15, cols: 4, seed: 1)
    let b = Matrix<Double>.gaussian(rows: 4, cols: 11, seed: 2)
    let c = matmul(a, b)   // rank 4
    let svd = try SVD(c)
    #expect(svd.rank() == 4)
    #expect(svd.rank(threshold: svd.singularValues[0] * 2) == 0)
    #expect(expectValidSVD(c, svd).isEmpty)
    for i in 4..<11 { #expect(svd.singularValues[i] <= 20 * Double.ulpOfOne * svd.singularValues[0]) }
    let (u, s, vt) = svd.truncated(rank: 4)
    #expect(u.rows == 15 && u.cols == 4 && s.count == 4 && vt.rows == 4 && vt.cols == 11)
    // The rank-4 truncation reproduces C.
    var err = 0.0
    for i in 0..<15 { for j in 0..<11 {
        var x = 0.0
        for k in 0..<4 { x += u[i, k] * s[k] * vt[k, j] }
        err = max(err, abs(x - c[i, j]))
    } }
    #expect(err <= 100 * Double.ulpOfOne * svd.singularValues[0])
}

@Test func variantsAreNamed() {
    #expect(SVDVariant.allCases.map(\.rawValue) == ["jacobi", "jacobi-blocked", "rsvd-gaussian", "rsvd-srft", "bidiagonal"])
    #expect(SVDVariant.bidiagonal.algorithm(rank: 1) == .bidiagonal && !SVDVariant.bidiagonal.isRandomized)
    #expect(SVDVariant(rawValue: "rsvd-srft")?.algorithm(rank: 3, seed: 7)
            == .randomized(rank: 3, oversampling: 10, powerIterations: 2, sketch: .srft, seed: 7))
    #expect(SVDVariant.jacobiBlocked.algorithm(rank: 1) == .jacobiBlocked)
}
