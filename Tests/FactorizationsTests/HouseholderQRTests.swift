@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

let qrShapes: [(Int, Int)] = [(1, 1), (1, 4), (4, 1), (5, 3), (3, 5), (40, 40), (70, 23), (23, 70), (130, 65)]

/// ‖QᵀQ − I‖_F ≤ c·m·ε·√k,  ‖Q·R − A‖_F ≤ c·m·ε·‖A‖_F,  R upper trapezoidal.
func checkQR<T: GEMMScalar>(_: T.Type, m: Int, n: Int, variant: QRVariant, params: QRParams = .default,
                            parallelism: Parallelism = .serial) {
    let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m * 100 + n))
    let qr = HouseholderQR(a, variant: variant, params: params, parallelism: parallelism)
    let k = min(m, n)
    let q = qr.thinQ(parallelism: parallelism), r = qr.r
    #expect(q.rows == m && q.cols == k && r.rows == k && r.cols == n)
    for i in 0..<k { for j in 0..<i { #expect(r[i, j] == 0) } }
    let eps = T.machineEpsilon
    let orthogonality = distance(product(q, q, transA: .transposed), Matrix<Double>.identity(k))
    #expect(orthogonality <= 10 * Double(m) * eps * Double(k).squareRoot(),
            "\(T.self) \(m)×\(n) \(variant) \(params): ‖QᵀQ − I‖ = \(orthogonality)")
    let reconstruction = distance(product(q, r), a)
    #expect(reconstruction <= 10 * Double(m) * eps * a.frobeniusNorm,
            "\(T.self) \(m)×\(n) \(variant) \(params): ‖QR − A‖ = \(reconstruction)")
}

@Test(arguments: QRVariant.allCases)
func qrReconstructsAllShapes(variant: QRVariant) {
    for (m, n) in qrShapes {
        checkQR(Double.self, m: m, n: n, variant: variant)
        checkQR(Float.self, m: m, n: n, variant: variant)
    }
}

@Test(arguments: [QRParams(blockSize: 1, panelLeaf: 1), QRParams(blockSize: 2, panelLeaf: 1),
                  QRParams(blockSize: 3, panelLeaf: 2), QRParams(blockSize: 5, panelLeaf: 2),
                  QRParams(blockSize: 8, panelLeaf: 3), QRParams(blockSize: 16, panelLeaf: 16),
                  QRParams(blockSize: 33, panelLeaf: 4)])
func qrTinyBlocks(params: QRParams) {
    for (m, n) in qrShapes {
        checkQR(Double.self, m: m, n: n, variant: .blocked, params: params)
    }
    checkQR(Float.self, m: 50, n: 31, variant: .blocked, params: params, parallelism: .threads(2))
    checkQR(Float.self, m: 17, n: 29, variant: .blocked, params: params)
}

@Test func qrBlockedMatchesUnblocked() {
    let a = Matrix<Double>.gaussian(rows: 90, cols: 50, seed: 8)
    let u = HouseholderQR(a, variant: .unblocked)
    for params in [QRParams(blockSize: 7, panelLeaf: 2), .default] {
        let b = HouseholderQR(a, variant: .blocked, params: params)
        // Same reflectors, same sign convention: R and τ agree to rounding.
        #expect(distance(b.r, u.r) <= 1e3 * Double.machineEpsilon * a.frobeniusNorm)
        #expect(zip(b.tau, u.tau).allSatisfy { abs($0 - $1) <= 1e-12 })
    }
}

@Test(arguments: QRVariant.allCases)
func qrApplyQ(variant: QRVariant) {
    for (m, n) in [(30, 12), (12, 30), (25, 25)] {
        let a = Matrix<Double>.gaussian(rows: m, cols: n, seed: 40)
        let qr = HouseholderQR(a, variant: variant, params: QRParams(blockSize: 5, panelLeaf: 2))
        let b = Matrix<Double>.gaussian(rows: m, cols: 4, seed: 41)
        var c = b
        qr.applyQ(transpose: .transposed, to: &c)
        #expect(abs(c.frobeniusNorm - b.frobeniusNorm) <= 1e-13 * b.frobeniusNorm)  // orthogonal
        qr.applyQ(transpose: .none, to: &c)
        #expect(distance(c, b) <= 1e-13 * b.frobeniusNorm)
        // Q·[I; 0] is thinQ, and Qᵀ·A = [R; 0]
        let k = min(m, n)
        var e = Matrix<Double>(rows: m, cols: k)
        for i in 0..<k { e[i, i] = 1 }
        qr.applyQ(transpose: .none, to: &e)
        #expect(distance(e, qr.thinQ()) <= 1e-14)
        var qta = a
        qr.applyQ(transpose: .transposed, to: &qta)
        #expect(distance(qta.submatrix(rows: 0..<k, cols: 0..<n), qr.r) <= 1e-13 * a.frobeniusNorm)
        if m > k { #expect(qta.submatrix(rows: k..<m, cols: 0..<n).frobeniusNorm <= 1e-13 * a.frobeniusNorm) }
    }
}

@Test func qrSignConventionAndZeroColumns() {
    // A column that is already e₀·α needs no reflection: τ = 0, R keeps α's sign.
    let a = Matrix<Double>(rows: 3, cols: 2, elements: [-2, 1, 0, 1, 0, 1])
    for variant in QRVariant.allCases {
        let qr = HouseholderQR(a, variant: variant)
        #expect(qr.tau[0] == 0 && qr.r[0, 0] == -2)
        // Second column: β = −sign(α)·‖x‖ with α = 1 → negative
        #expect(abs(qr.r[1, 1] + 2.0.squareRoot()) <= 1e-15)
        #expect(qr.tau[1] >= 1 && qr.tau[1] <= 2)
    }
    let zero = HouseholderQR(Matrix<Double>(rows: 4, cols: 3), params: QRParams(blockSize: 2, panelLeaf: 1))
    #expect(zero.tau.allSatisfy { $0 == 0 } && zero.r.elements.allSatisfy { $0 == 0 })
    #expect(distance(zero.thinQ(), Matrix<Double>(rows: 4, cols: 3) { $0 == $1 ? 1 : 0 }) == 0)
}

@Test func qrTinyAndHugeScales() {
    for scale in [1e-300, 1e-160, 1e150, 1e300] {
        let a = Matrix<Double>.gaussian(rows: 12, cols: 5, seed: 3)
        let scaled = Matrix<Double>(rows: 12, cols: 5) { a[$0, $1] * scale }
        let qr = HouseholderQR(scaled, params: QRParams(blockSize: 2, panelLeaf: 1))
        let q = qr.thinQ()
        #expect(q.isFinite && qr.r.isFinite)
        #expect(distance(product(q, q, transA: .transposed), Matrix<Double>.identity(5)) <= 1e-13)
        let ratio = Matrix<Double>(rows: 5, cols: 5) { qr.r[$0, $1] / scale }
        #expect(distance(product(q, ratio), a) <= 1e-13 * a.frobeniusNorm, "scale \(scale)")
    }
    let tiny = Matrix<Float>.gaussian(rows: 10, cols: 4, seed: 5)
    let scaledF = Matrix<Float>(rows: 10, cols: 4) { tiny[$0, $1] * 1e-38 }
    let qrF = HouseholderQR(scaledF)
    #expect(qrF.thinQ().isFinite && qrF.r.isFinite)
    #expect(distance(product(qrF.thinQ(), qrF.thinQ(), transA: .transposed), Matrix<Double>.identity(4)) <= 1e-5)
}
