@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Foundation
import Testing

/// ‖L·Lᵀ − A‖_F ≤ c·n·ε·‖A‖_F, L lower triangular with a positive diagonal.
func checkCholesky<T: GEMMScalar>(_: T.Type, n: Int, variant: CholeskyVariant, params: CholeskyParams = .default,
                                  parallelism: Parallelism = .serial) throws {
    let a = randomSPD(n, seed: UInt64(100 + n), as: T.self)
    let chol = try Cholesky(a, variant: variant, params: params, parallelism: parallelism)
    let l = chol.l
    for i in 0..<n {
        #expect(l[i, i] > 0)
        for j in (i + 1)..<max(i + 1, n) { #expect(l[i, j] == 0) }
    }
    let tolerance = 8 * Double(n) * T.machineEpsilon * a.frobeniusNorm
    let residual = distance(product(l, l, transB: .transposed), a)
    #expect(residual <= tolerance, "n=\(n) \(variant) \(T.self): ‖LLᵀ − A‖ = \(residual) > \(tolerance)")
}

@Test(arguments: CholeskyVariant.allCases, [1, 2, 3, 7, 64, 129, 200])
func choleskyReconstructsDouble(variant: CholeskyVariant, n: Int) throws {
    try checkCholesky(Double.self, n: n, variant: variant)
    try checkCholesky(Double.self, n: n, variant: variant, params: CholeskyParams(blockSize: 5, recursiveLeaf: 5))
}

@Test(arguments: CholeskyVariant.allCases, [1, 2, 3, 7, 64, 129])
func choleskyReconstructsFloat(variant: CholeskyVariant, n: Int) throws {
    try checkCholesky(Float.self, n: n, variant: variant)
    try checkCholesky(Float.self, n: n, variant: variant, params: CholeskyParams(blockSize: 3, recursiveLeaf: 3))
}

@Test(arguments: [1, 2, 3, 5, 16])
func choleskyTinyBlocksAndThreads(blockSize: Int) throws {
    let params = CholeskyParams(blockSize: blockSize, recursiveLeaf: blockSize,
                                triangularSolve: TriangularSolveParams(blockSize: 2, parallelGranule: 1,
                                                                       parallelFlopThreshold: 0))
    for n in [1, 4, 17, 40] {
        for variant in [CholeskyVariant.blocked, .recursive] {
            try checkCholesky(Double.self, n: n, variant: variant, params: params)
            try checkCholesky(Double.self, n: n, variant: variant, params: params, parallelism: .threads(3))
            try checkCholesky(Float.self, n: n, variant: variant, params: params, parallelism: .threads(2))
        }
    }
}

@Test(arguments: [7, 64, 129])
func choleskyBlockedMatchesUnblocked(n: Int) throws {
    let a = randomSPD(n, seed: 7, as: Double.self)
    let reference = try Cholesky(a, variant: .unblocked).l
    for blockSize in [2, 5, 32, CholeskyParams.defaultBlockSize] {
        for variant in [CholeskyVariant.blocked, .recursive] {
            let params = CholeskyParams(blockSize: blockSize, recursiveLeaf: blockSize)
            let l = try Cholesky(a, variant: variant, params: params).l
            let tolerance = 8 * Double(n) * Double.machineEpsilon * reference.frobeniusNorm
            #expect(distance(l, reference) <= tolerance)
        }
    }
}

@Test func choleskyReadsOnlyTheLowerTriangle() throws {
    let n = 20
    var a = randomSPD(n, seed: 3, as: Double.self)
    let clean = try Cholesky(a).l
    for i in 0..<n { for j in (i + 1)..<n { a[i, j] = .nan } }
    for variant in CholeskyVariant.allCases {
        let l = try Cholesky(a, variant: variant, params: CholeskyParams(blockSize: 3, recursiveLeaf: 3)).l
        #expect(l.isFinite)
        #expect(distance(l, clean) <= 1e-12)
    }
}

/// A with its 5th leading minor negative: pivot 4 (0-based) fails in every variant and block size.
@Test func choleskyReportsTheFailingPivot() throws {
    for n in [5, 12] {
        var a = randomSPD(n, seed: 11, as: Double.self)
        let l = try Cholesky(a, variant: .unblocked).l
        a[4, 4] -= l[4, 4] * l[4, 4] + 1  // pivot d₄ becomes −1
        for variant in CholeskyVariant.allCases {
            for blockSize in [1, 2, 3, 4, 5, 64] {
                let params = CholeskyParams(blockSize: blockSize, recursiveLeaf: blockSize)
                #expect(throws: FactorizationError.notPositiveDefinite(pivot: 4)) {
                    try Cholesky(a, variant: variant, params: params)
                }
                #expect(throws: FactorizationError.notPositiveDefinite(pivot: 4)) {
                    try Cholesky(a.converted(to: Float.self), variant: variant, params: params)
                }
            }
        }
    }
}

@Test func choleskyRejectsBadInput() {
    #expect(throws: FactorizationError.dimensionMismatch(argument: "a", expected: "a square matrix", got: "3×4")) {
        try Cholesky(Matrix<Double>(rows: 3, cols: 4))
    }
    let nan = Matrix<Double>(rows: 2, cols: 2, elements: [.nan, 0, 0, 1])
    #expect(throws: FactorizationError.notPositiveDefinite(pivot: 0)) { try Cholesky(nan) }
    #expect(FactorizationError.notPositiveDefinite(pivot: 4).description.contains("pivot 4"))
    #expect(FactorizationError.dimensionMismatch(argument: "b", expected: "3 rows", got: "2×1").description
        .contains("'b'"))
}

@Test func choleskyInPlaceOnAStridedView() throws {
    let n = 30
    let a = randomSPD(n, seed: 5, as: Double.self)
    var storage = padded(a, padding: 7)
    try storage.withMutableView { v in
        try choleskyInPlace(v.block(rows: 0..<n, cols: 0..<n), params: CholeskyParams(blockSize: 4))
    }
    let l = storage.submatrix(rows: 0..<n, cols: 0..<n)
    #expect(distance(l, try Cholesky(a, variant: .unblocked).l) <= 1e-12)
    #expect(storage[0, n] == 7 && storage[n, 0] == 7)  // padding untouched
}

@Test(arguments: [1, 9, 70])
func choleskySolvesAndLogDeterminant(n: Int) throws {
    // A = G·Gᵀ with G lower triangular, positive diagonal: log det A = 2·Σ log gᵢᵢ exactly.
    var g = Matrix<Double>.uniform(rows: n, cols: n, seed: 23)
    for i in 0..<n {
        g[i, i] = 1 + abs(g[i, i])
        for j in (i + 1)..<max(i + 1, n) { g[i, j] = 0 }
    }
    let a = product(g, g, transB: .transposed)
    let b = Matrix<Double>.gaussian(rows: n, cols: 4, seed: 22)
    let chol = try Cholesky(a, params: CholeskyParams(blockSize: 8))
    let x = chol.solve(b)
    let residual = distance(product(a, x), b)
    #expect(residual <= 100 * Double(n) * Double.machineEpsilon * a.frobeniusNorm * x.frobeniusNorm)
    var expected = 0.0
    for i in 0..<n { expected += 2 * Foundation.log(g[i, i]) }
    #expect(abs(chol.logDeterminant - expected) <= 1e-12 * Double(n) * max(1, abs(expected)))
}

@Test func choleskyFloatSolve() throws {
    let n = 33
    let a = randomSPD(n, seed: 31, as: Float.self)
    let b = Matrix<Float>.gaussian(rows: n, cols: 3, seed: 32)
    let x = try Cholesky(a, params: CholeskyParams(blockSize: 4)).solve(b)
    #expect(distance(product(a, x), b) <= 100 * Double(n) * Float.machineEpsilon * a.frobeniusNorm * x.frobeniusNorm)
}
