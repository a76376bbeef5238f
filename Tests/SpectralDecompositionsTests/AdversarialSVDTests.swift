import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

private let algorithms: [SVDAlgorithm] = [.jacobi, .jacobiBlocked, .bidiagonal]
/// Small blocks and leaves, so the bidiagonal SVD runs its blocked and divide-and-conquer paths at test sizes.
private let smallBidiagonal = BidiagonalSVDParams(blockSize: 4, leafSize: 3, backTransformBlock: 3)
private func options(_ alg: SVDAlgorithm) -> SVDOptions {
    SVDOptions(algorithm: alg, params: .init(blockSize: 5), bidiagonal: smallBidiagonal)
}

/// σ from 1 down to 1e-12: absolute accuracy ε·σ₁ for every σ, orthonormal factors, reconstruction.
@Test(arguments: [false, true])
func spectrumOverTwelveOrders(double: Bool) throws {
    let (m, n) = isRelease ? (70, 50) : (24, 16)
    let sigma = (0..<n).map { pow(10.0, -12.0 * Double($0) / Double(n - 1)) }
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 51, T.self)
        for alg in algorithms {
            let svd = try SVD(a, options: options(alg))
            #expect(expectValidSVD(a, svd).isEmpty, "\(alg): \(expectValidSVD(a, svd))")
            for i in 0..<n {
                #expect(abs(svd.singularValues[i].asDouble - sigma[i]) <= 10 * T.machineEpsilon * Double(m).squareRoot())
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// Repeated and clustered σ: values right, factors orthonormal.
@Test(arguments: [false, true])
func repeatedAndClusteredValues(double: Bool) throws {
    let n = isRelease ? 40 : 16
    let sigma = (0..<n).map { i -> Double in i < n / 4 ? 3 : (i < n / 2 ? 1 + 1e-9 * Double(i) : 0.5) }
        .sorted(by: >)
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: n + 5, cols: n, sigma: sigma, seed: 61, T.self)
        for alg in algorithms {
            let svd = try SVD(a, options: options(alg))
            #expect(expectValidSVD(a, svd).isEmpty, "\(alg): \(expectValidSVD(a, svd))")
            for i in 0..<n {
                #expect(abs(svd.singularValues[i].asDouble - sigma[i]) <= 20 * T.machineEpsilon * Double(n).squareRoot() * 3)
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// Exact rank deficiency (columns repeated, zero columns): rank found, U and V still orthonormal.
@Test(arguments: [false, true])
func exactRankDeficiency(double: Bool) throws {
    func run<T: GEMMScalar>(_: T.Type) throws {
        let g = Matrix<T>.gaussian(rows: 14, cols: 3, seed: 71)
        // Columns: g0, g1, 0, g0, g2, 0, 2·g1, 0 → rank 3.
        let pick: [Int?] = [0, 1, nil, 0, 2, nil, 1, nil]
        let a = Matrix<T>(rows: 14, cols: pick.count) { i, j in
            pick[j].map { g[i, $0] * (j == 6 ? 2 : 1) } ?? 0
        }
        for m in [a, a.transposed()] {
            for alg in algorithms {
                for qr in QRPreconditioning.allCases {
                    let svd = try SVD(m, options: .init(algorithm: alg, params: .init(qrPreconditioning: qr, blockSize: 3),
                                                        bidiagonal: smallBidiagonal))
                    #expect(expectValidSVD(m, svd).isEmpty, "\(alg) \(qr): \(expectValidSVD(m, svd))")
                    #expect(svd.rank() == 3)
                }
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

@Test func zeroMatrix() throws {
    for (m, n) in [(6, 4), (4, 6), (5, 5), (1, 3)] {
        let a = Matrix<Float>(rows: m, cols: n)
        for alg in algorithms {
            let svd = try SVD(a, options: options(alg))
            #expect(svd.singularValues == [Float](repeating: 0, count: min(m, n)))
            #expect(svd.rank() == 0)
            #expect(expectValidSVD(a, svd).isEmpty, "\(m)×\(n) \(alg): \(expectValidSVD(a, svd))")
        }
    }
}

@Test func vectorsAsMatrices() throws {
    let row = Matrix<Double>(rows: 1, cols: 5, elements: [3, -4, 0, 12, 0])   // ‖·‖ = 13
    let col = row.transposed()
    for alg in algorithms {
        for a in [row, col] {
            let svd = try SVD(a, options: options(alg))
            #expect(abs(svd.singularValues[0] - 13) <= 4 * Double.ulpOfOne * 13)
            #expect(expectValidSVD(a, svd).isEmpty)
        }
        let r = try SVD(row, options: options(alg))
        #expect(r.vt![0, 3] > 0 && r.u![0, 0] > 0)   // sign convention: 12 is the largest entry
        let empty = try SVD(Matrix<Double>(rows: 0, cols: 4), options: options(alg))
        #expect(empty.singularValues.isEmpty && empty.u?.cols == 0 && empty.vt?.rows == 0)
    }
}

/// Entries in the denormal range (Float: ~2⁻¹³⁰; Double: ~2⁻¹⁰³⁰) and near overflow: power-of-two scaling
/// keeps full accuracy; compared with the SVD of the same matrix scaled back into the normal range.
@Test(arguments: algorithms)
func denormalAndHugeEntries(alg: SVDAlgorithm) throws {
    let base = Matrix<Float>.gaussian(rows: 12, cols: 9, seed: 81)
    for e in [-130, 120] {
        let a = base.scaledByPowerOfTwo(e)
        let back = a.scaledByPowerOfTwo(-e)   // exact: what the denormal entries really hold, in normal range
        let ref = try SVD(back)
        let svd = try SVD(a, options: options(alg))
        #expect(expectValidSVD(a, svd).isEmpty)
        for i in 0..<9 {
            let got = Double(svd.singularValues[i]) * pow(2.0, Double(-e))
            let quantum = e < 0 ? pow(2.0, -149.0 - Double(e)) : 0   // denormal spacing of the result
            #expect(abs(got - Double(ref.singularValues[i])) <= 8 * Float.machineEpsilon * Double(ref.singularValues[0]) + quantum)
        }
    }
    let d = Matrix<Double>.gaussian(rows: 10, cols: 7, seed: 82)
    for e in [-1040, 1000] {
        let a = d.scaledByPowerOfTwo(e)
        let ref = try SVD(a.scaledByPowerOfTwo(-e))
        let svd = try SVD(a, options: options(alg))
        for i in 0..<7 {
            let got = svd.singularValues[i].scaledByPowerOfTwo(-e)
            let quantum = e < 0 ? pow(2.0, -1074.0 - Double(e)) : 0
            #expect(abs(got - ref.singularValues[i]) <= 8 * Double.ulpOfOne * ref.singularValues[0] + quantum)
        }
    }
}

@Test func nonFiniteInputIsReported() {
    var a = Matrix<Double>.gaussian(rows: 5, cols: 4, seed: 1)
    a[3, 2] = .nan
    a[4, 0] = .infinity
    for alg in algorithms + [.randomized(rank: 2)] {
        #expect(throws: SVDError.nonFinite(row: 3, col: 2)) { try SVD(a, options: .init(algorithm: alg)) }
    }
    var f = Matrix<Float>(rows: 3, cols: 3)
    f[0, 1] = -.infinity
    #expect(throws: SVDError.nonFinite(row: 0, col: 1)) { try SVD(f) }
    #expect(throws: SVDError.nonFinite(row: 0, col: 1)) { try SVD(f, options: .init(algorithm: .bidiagonal)) }
}
