import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

/// recoverAndRefine's contract: on return X = Y·X₀ with Y orthogonal and the rows of X mutually orthogonal to
/// the Jacobi tolerance; for square, wide (len > n) inputs, a graded spectrum (σ over 10 orders) and a rank
/// deficient one, with and without the Float first phase, with either refinement, and with a loose first
/// phase (``JacobiParams/firstPhaseTolerance``).
@Test(arguments: [false, true], [(false, JacobiRefinement.gram, nil), (true, .gram, nil), (false, .rotations, nil),
                                 (true, .rotations, nil), (true, .automatic, nil), (true, .gram, 1e-3)]
                                as [(Bool, JacobiRefinement, Double?)])
func recoveredVectorsSatisfyTheJacobiContract(double: Bool, mode: (mixed: Bool, refinement: JacobiRefinement, first: Double?)) throws {
    let mixed = mode.mixed
    func run<T: GEMMScalar>(_: T.Type) throws {
        let n = isRelease ? 48 : 16
        var inputs: [(String, Matrix<T>)] = [
            ("gaussian", Matrix<T>.gaussian(rows: n, cols: n, seed: 31)),
            ("wide", Matrix<T>.gaussian(rows: n, cols: n + 9, seed: 32)),
            ("graded", matrixWithSpectrum(rows: n, cols: n, sigma: (0..<n).map { pow(10, -10 * Double($0) / Double(n - 1)) },
                                          seed: 33, T.self)),
        ]
        var deficient = Matrix<T>.gaussian(rows: n, cols: n, seed: 34)
        for j in 0..<n { deficient[3, j] = deficient[1, j]; deficient[5, j] = 0 }
        inputs.append(("rank deficient", deficient))
        for (name, x0) in inputs {
            let (rows, len) = (x0.rows, x0.cols)
            var x = x0.elements
            var y = [T](repeating: 0, count: rows * rows)
            let params = JacobiParams(blockSize: 5, mixedPrecision: mixed, refinement: mode.refinement,
                                      firstPhaseTolerance: mode.first)
            let sweeps = try recoverAndRefine(x: &x, count: rows, length: len, y: &y, params: params,
                                              parallelism: .serial)
            #expect(sweeps >= 1)
            let ym = Matrix(rows: rows, cols: rows, elements: y), xm = Matrix(rows: rows, cols: len, elements: x)
            // Y orthogonal.
            #expect(orthonormalityError(columnsOf: ym) <= 20 * T.machineEpsilon * Double(rows), "\(name)")
            // X = Y·X₀.
            let prod = matmul(ym, x0)
            let scale = x0.maxAbs * Double(len)
            let diff = zip(prod.elements, xm.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            #expect(diff <= 50 * T.machineEpsilon * scale, "\(name): |X − YX₀| = \(diff)")
            // Rows of X orthogonal: |x_p·x_q| ≤ (few·tol + rounding of the dot in T)·‖x_p‖‖x_q‖.
            let tol = params.threshold(length: len, T.self)
            let xd = xm.converted(to: Double.self)
            let norms = (0..<rows).map { i in (0..<len).reduce(0.0) { $0 + xd[i, $1] * xd[i, $1] }.squareRoot() }
            for p in 0..<rows {
                for q in (p + 1)..<rows {
                    let d = (0..<len).reduce(0.0) { $0 + xd[p, $1] * xd[q, $1] }
                    #expect(abs(d) <= (4 * tol + 2 * Double(len) * T.machineEpsilon) * norms[p] * norms[q],
                            "\(name): rows \(p), \(q) cos \(abs(d) / (norms[p] * norms[q]))")
                }
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// The recovered path gives the same σ and the same (sign-fixed) vectors as the accumulated one on a well
/// separated spectrum.
@Test(arguments: [false, true])
func recoveredMatchesAccumulated(double: Bool) throws {
    let (m, n) = isRelease ? (80, 60) : (25, 18)
    let sigma = (0..<n).map { 1.0 + Double(n - $0) }
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 8, T.self)
        let ref = try SVD(a, options: .init(params: .init(rightVectors: .accumulated)))
        for (mixed, refinement) in [(false, JacobiRefinement.gram), (true, .gram), (true, .rotations),
                                    (true, .automatic)] {
            let rec = try SVD(a, options: .init(params: .init(rightVectors: .recovered, mixedPrecision: mixed,
                                                              refinement: refinement)))
            #expect(expectValidSVD(a, rec).isEmpty)
            for i in 0..<n {
                #expect(abs(ref.singularValues[i].asDouble - rec.singularValues[i].asDouble)
                        <= 5 * T.machineEpsilon * sigma[0] * Double(n))
            }
            let tol = 50 * T.machineEpsilon * Double(n)
            let du = zip(ref.u!.elements, rec.u!.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            let dv = zip(ref.vt!.elements, rec.vt!.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            #expect(du <= tol && dv <= tol, "mixed \(mixed): |ΔU| \(du), |ΔV| \(dv), tol \(tol)")
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}
