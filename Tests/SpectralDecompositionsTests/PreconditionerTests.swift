import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

// The Drmač–Veselić preconditioner (norm-sorted columns, QR, LQ of R) and the copies the driver makes.

@Test func columnsByDecreasingNormSortsStably() {
    // Column norms: 1, 3, 2, 3, 0 → order 1, 3 (tie by index), 2, 0, 4.
    let a = Matrix<Double>(rows: 2, cols: 5, elements: [1, 3, 0, 0, 0,
                                                        0, 0, 2, 3, 0])
    #expect(columnsByDecreasingNorm(a) == [1, 3, 2, 0, 4])
}

@Test func matrixCopiesMatchTheirDefinitions() throws {
    let a = Matrix<Float>.gaussian(rows: 37, cols: 45, seed: 12)
    #expect(transposedCopy(a) == a.transposed())
    let order = (0..<a.cols).reversed().map { ($0 * 7) % a.cols }   // a permutation (gcd(7, 45) = 1)
    #expect(Set(order).count == a.cols)
    let p = columnsPermuted(a, order)
    for i in 0..<a.rows { for j in 0..<a.cols { #expect(p[i, j] == a[i, order[j]]) } }
    #expect(columnsScattered(p, order) == a)
    for (m, n) in [(6, 4), (4, 6), (5, 5)] {
        let f = Matrix<Double>.gaussian(rows: m, cols: n, seed: 3)
        let r = upperTriangle(of: f, transposed: false)
        let k = min(m, n)
        #expect(r == Matrix(rows: k, cols: n) { i, j in j >= i ? f[i, j] : 0 })
        #expect(upperTriangle(of: f, transposed: true) == r.transposed())
    }
    #expect(try finiteMaxAbs(Matrix<Double>(rows: 2, cols: 2, elements: [1, -4, 2, 3])) == 4)
    for bad in [Float.nan, .infinity, -.infinity] {
        var b = Matrix<Float>(rows: 3, cols: 4, repeating: 1)
        b[2, 1] = bad
        #expect(throws: SVDError.nonFinite(row: 2, col: 1)) { try finiteMaxAbs(b) }
    }
}

/// On a graded matrix (columns scaled over many orders of magnitude, shuffled) the pivoted QR + LQ path gives
/// the same σ as the plain QR path to high relative accuracy, valid vectors, and needs no more sweeps.
@Test(arguments: [false, true])
func pivotedQRLQOnGradedMatrices(double: Bool) throws {
    func run<T: GEMMScalar>(_: T.Type) throws {
        let (m, n) = isRelease ? (80, 48) : (24, 14)
        var a = Matrix<T>.gaussian(rows: m, cols: n, seed: 31)
        let decades = T.self == Float.self ? 3.0 : 8.0
        for j in 0..<n {
            let scale = T(pow(10, decades * Double((j * 5) % n) / Double(n - 1)))   // shuffled grading
            for i in 0..<m { a[i, j] *= scale }
        }
        for g in [a, transposedCopy(a)] {
            let plain = try SVD(g, options: .init(params: .init(qrPreconditioning: .always, preconditioner: .qr)))
            let dv = try SVD(g, options: .init(params: .init(qrPreconditioning: .always,
                                                             preconditioner: .pivotedQRLQ)))
            let failures = expectValidSVD(g, dv)
            #expect(failures.isEmpty, "\(g.rows)×\(g.cols): \(failures)")
            #expect(dv.sweeps <= plain.sweeps, "\(dv.sweeps) > \(plain.sweeps) sweeps")
            // Jacobi's relative accuracy: each σ to a modest multiple of ε·n·(scaled condition), not ε·σ₁.
            let tol = 50 * T.machineEpsilon * Double(n)
            for (x, y) in zip(dv.singularValues, plain.singularValues) {
                #expect(abs(x.asDouble - y.asDouble) <= tol * y.asDouble, "σ \(x) vs \(y)")
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}
