@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

/// XᵀX for X with `samples` < n rows: rank-deficient Gram matrix (rank = samples).
func rankDeficientGram<T: LinalgScalar>(n: Int, samples: Int, seed: UInt64, as _: T.Type = T.self) -> Matrix<T> {
    let x = Matrix<Double>.gaussian(rows: samples, cols: n, seed: seed)
    return product(x, x, transA: .transposed).converted(to: T.self)
}

func checkRegularized<T: GEMMScalar>(_: T.Type, n: Int, samples: Int, variant: CholeskyVariant, blockSize: Int)
    throws {
    let a = rankDeficientGram(n: n, samples: samples, seed: UInt64(n * 31 + samples), as: T.self)
    let params = CholeskyParams(blockSize: blockSize, recursiveLeaf: blockSize)
    let reg = try RegularizedCholesky(a, variant: variant, choleskyParams: params)
    let report = reg.report
    #expect(reg.l.isFinite)
    #expect(!report.shiftedPivots.isEmpty, "a rank-\(samples) Gram of order \(n) needs shifts")
    #expect(report.shiftedPivots.count >= n - samples)
    #expect(report.shiftedPivots == report.shiftedPivots.sorted())
    #expect(report.shifts.count == report.shiftedPivots.count)
    #expect(report.shifts.allSatisfy { $0 >= 0 && $0.isFinite })
    #expect(abs(report.totalShift - report.shifts.reduce(0, +)) <= 1e-12 * max(1, report.totalShift))
    var maxDiagonal = 0.0
    for i in 0..<n { maxDiagonal = max(maxDiagonal, a[i, i].asDouble) }
    #expect(abs(report.threshold - Double(n) * T.machineEpsilon * maxDiagonal) <= 1e-6 * report.threshold)
    // L·Lᵀ = A + diag(shifts)
    var shifted = a.converted(to: Double.self)
    for (p, s) in zip(report.shiftedPivots, report.shifts) { shifted[p, p] += s }
    let residual = distance(product(reg.l, reg.l, transB: .transposed), shifted)
    let tolerance = 8 * Double(n) * T.machineEpsilon * shifted.frobeniusNorm
    #expect(residual <= tolerance, "\(T.self) n=\(n) \(variant): ‖LLᵀ − (A + D)‖ = \(residual) > \(tolerance)")
}

@Test(arguments: CholeskyVariant.allCases, [1, 3, 8, 64])
func regularizedCholeskyOnRankDeficientGram(variant: CholeskyVariant, blockSize: Int) throws {
    try checkRegularized(Double.self, n: 40, samples: 15, variant: variant, blockSize: blockSize)
    try checkRegularized(Float.self, n: 40, samples: 15, variant: variant, blockSize: blockSize)
    try checkRegularized(Double.self, n: 9, samples: 1, variant: variant, blockSize: blockSize)
}

@Test func regularizedCholeskyBlockedAgreesWithUnblocked() throws {
    let a = rankDeficientGram(n: 50, samples: 20, seed: 4, as: Double.self)
    let u = try RegularizedCholesky(a, variant: .unblocked)
    let b = try RegularizedCholesky(a, variant: .blocked, choleskyParams: CholeskyParams(blockSize: 6))
    let r = try RegularizedCholesky(a, variant: .recursive, choleskyParams: CholeskyParams(recursiveLeaf: 5))
    #expect(u.report.shiftedPivots == b.report.shiftedPivots)
    #expect(u.report.shiftedPivots == r.report.shiftedPivots)
}

@Test func regularizedCholeskyLeavesSPDUnshifted() throws {
    let a = randomSPD(30, seed: 9, as: Double.self)
    let reg = try Cholesky.regularized(a, choleskyParams: CholeskyParams(blockSize: 4))
    #expect(reg.report.isUnshifted && reg.report.totalShift == 0)
    #expect(distance(reg.l, try Cholesky(a).l) <= 1e-13)
}

@Test func regularizedCholeskyOfZeroMatrixAndBadInput() throws {
    let reg = try RegularizedCholesky(Matrix<Double>(rows: 4, cols: 4))
    #expect(reg.report.shiftedPivots == [0, 1, 2, 3])
    #expect(reg.l.isFinite && reg.l[3, 3] > 0)
    let custom = try RegularizedCholesky(Matrix<Double>(rows: 2, cols: 2),
                                         params: RegularizationParams(absoluteFloor: 1e-6))
    #expect(custom.report.shifts == [1e-6, 1e-6])
    var bad = Matrix<Double>.identity(3)
    bad[2, 1] = .infinity
    #expect(throws: FactorizationError.nonFinite(argument: "a", row: 2, col: 1)) { try RegularizedCholesky(bad) }
    #expect(throws: FactorizationError.self) { try RegularizedCholesky(Matrix<Float>(rows: 2, cols: 3)) }
}
