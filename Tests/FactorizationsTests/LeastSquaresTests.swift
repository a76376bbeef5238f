@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

func checkLeastSquares<T: GEMMScalar>(_: T.Type, m: Int, n: Int, variant: QRVariant, params: QRParams) throws {
    let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m + 7 * n))
    let b = Matrix<T>.gaussian(rows: m, cols: 3, seed: 99)
    let x = try HouseholderQR(a, variant: variant, params: params).solveLeastSquares(b)
    #expect(x.rows == n && x.cols == 3)
    // Residual orthogonal to the column space: ‖Aᵀ(B − AX)‖ ≤ c·m·ε·‖A‖·(‖A‖‖X‖ + ‖B‖)
    let ax = product(a, x)
    let r = Matrix<Double>(rows: m, cols: 3) { b[$0, $1].asDouble - ax[$0, $1] }
    let atr = product(a, r, transA: .transposed)
    let bound = 10 * Double(m) * T.machineEpsilon * a.frobeniusNorm
        * (a.frobeniusNorm * x.frobeniusNorm + b.frobeniusNorm)
    #expect(atr.frobeniusNorm <= bound, "\(T.self) \(m)×\(n) \(variant): ‖Aᵀr‖ = \(atr.frobeniusNorm) > \(bound)")
    // Equals the normal-equations solution (AᵀA)X = AᵀB when the problem is well conditioned (tall Gaussian).
    guard m >= 3 * n else { return }
    let ata = product(a, a, transA: .transposed), atb = product(a, b, transA: .transposed)
    let normal = try Cholesky(ata, variant: .unblocked).solve(atb)
    let agreement = distance(x, normal)
    #expect(agreement <= 1e3 * Double(n) * T.machineEpsilon * max(1, normal.frobeniusNorm),
            "\(T.self) \(m)×\(n) \(variant): ‖X − X_normal‖ = \(agreement)")
}

@Test(arguments: QRVariant.allCases)
func leastSquaresResidualIsOrthogonal(variant: QRVariant) throws {
    for (m, n) in [(1, 1), (8, 8), (60, 20), (200, 45)] {
        for params in [QRParams(blockSize: 3, panelLeaf: 1), .default] {
            try checkLeastSquares(Double.self, m: m, n: n, variant: variant, params: params)
            try checkLeastSquares(Float.self, m: m, n: n, variant: variant, params: params)
        }
    }
}

@Test func leastSquaresExactSystem() throws {
    let a = Matrix<Double>.gaussian(rows: 30, cols: 10, seed: 1)
    let xTrue = Matrix<Double>.gaussian(rows: 10, cols: 2, seed: 2)
    let b = product(a, xTrue)
    let x = try HouseholderQR(a, params: QRParams(blockSize: 4)).solveLeastSquares(b)
    #expect(distance(x, xTrue) <= 1e-12 * xTrue.frobeniusNorm)
}

@Test func leastSquaresErrors() {
    var a = Matrix<Double>.gaussian(rows: 6, cols: 4, seed: 1)
    for i in 0..<6 { a[i, 2] = 0 }
    #expect(throws: FactorizationError.singular(index: 2)) {
        try HouseholderQR(a).solveLeastSquares(Matrix<Double>(rows: 6, cols: 1))
    }
    let wide = HouseholderQR(Matrix<Double>.gaussian(rows: 3, cols: 5, seed: 1))
    #expect(throws: FactorizationError.dimensionMismatch(argument: "a", expected: "at least as many rows as columns",
                                                        got: "3×5")) {
        try wide.solveLeastSquares(Matrix<Double>(rows: 3, cols: 1))
    }
    #expect(throws: FactorizationError.dimensionMismatch(argument: "b", expected: "6 rows", got: "5×1")) {
        try HouseholderQR(Matrix<Double>.gaussian(rows: 6, cols: 4, seed: 2))
            .solveLeastSquares(Matrix<Double>(rows: 5, cols: 1))
    }
    // Nearly dependent columns: caught with a rank tolerance.
    var near = Matrix<Double>.gaussian(rows: 6, cols: 3, seed: 4)
    for i in 0..<6 { near[i, 2] = near[i, 0] * 2 + 1e-14 * Double(i) }
    #expect(throws: FactorizationError.singular(index: 2)) {
        try HouseholderQR(near).solveLeastSquares(Matrix<Double>(rows: 6, cols: 1), rankTolerance: 1e-10)
    }
}
