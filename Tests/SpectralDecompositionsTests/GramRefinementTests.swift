import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

/// X₀ (n × len) with singular values σ and its exact Y (rows = left singular vectors), plus a start Y₁: the
/// exact Y perturbed by `noise`·Gaussian and re-orthogonalized by QR (rows of Qᵀ).
private func perturbedProblem(n: Int, len: Int, sigma: [Double], noise: Double, seed: UInt64)
    -> (x0: Matrix<Double>, y1: Matrix<Double>) {
    let x0 = matrixWithSpectrum(rows: n, cols: len, sigma: sigma, seed: seed, Double.self)
    let u = randomOrthogonal(n, seed: seed, Double.self)   // the q1 of matrixWithSpectrum: X₀ = U Σ Vᵀ
    let g = Matrix<Double>.gaussian(rows: n, cols: n, seed: seed &+ 7)
    let noisy = Matrix<Double>(rows: n, cols: n) { i, j in u[i, j] + noise * g[i, j] }   // columns ≈ U's
    let q = factorQR(noisy, wantQ: true, parallelism: .serial).q!
    return (x0, q.transposed())
}

private func maxCosine(_ x: Matrix<Double>) -> Double {
    let norms = (0..<x.rows).map { i in (0..<x.cols).reduce(0.0) { $0 + x[i, $1] * x[i, $1] }.squareRoot() }
    var worst = 0.0
    for p in 0..<x.rows {
        for q in (p + 1)..<x.rows where norms[p] > 0 && norms[q] > 0 {
            let d = (0..<x.cols).reduce(0.0) { $0 + x[p, $1] * x[q, $1] }
            worst = max(worst, abs(d) / (norms[p] * norms[q]))
        }
    }
    return worst
}

/// Separated σ (relative gaps ~1/n), start cosines ~10⁻⁶ (as after a Float Jacobi): each step squares them;
/// with two the cosines are near rounding, with more the check passes (converged), and Y stays orthogonal with
/// X = Y·X₀.
@Test(arguments: [2, 4])
func gramStepsConvergeQuadratically(steps: Int) {
    let n = isRelease ? 60 : 20, len = n + 5
    let sigma = (0..<n).map { 1 - 0.5 * Double($0) / Double(n - 1) }
    let (x0, start) = perturbedProblem(n: n, len: len, sigma: sigma, noise: 1e-6, seed: 41)
    #expect(maxCosine(matmul(start, x0)) > 1e-7)
    var y = start
    let params = JacobiParams(gramSteps: steps)
    let r = GramRefinement.run(x0: x0, y: &y, orthogonal: true, params: params, parallelism: .serial)
    let tol = params.threshold(length: len, Double.self)
    #expect(r.orthogonal)
    #expect(orthonormalityError(columnsOf: y) <= 4 * tol)
    #expect(maxCosine(r.x) <= 100 * tol, "cos \(maxCosine(r.x))")
    if steps == 4 {
        #expect(r.converged && r.steps < 4)
        #expect(maxCosine(r.x) <= 2 * tol)
    }
    let prod = matmul(y, x0)
    let diff = zip(prod.elements, r.x.elements).map { abs($0 - $1) }.max()!
    #expect(diff <= 10 * Double.ulpOfOne * Double(len))
}

/// Two σ equal to 10⁻⁷ (relative): their pair cannot be corrected to first order (|Ẽᵢⱼ| > coupling), so the
/// refinement stops with only that pair left (clustersOnly: not converged, Y orthogonal), and
/// recoverAndRefine's one-sided Jacobi finishes it.
@Test func clusteredPairIsLeftToTheRotations() throws {
    let n = isRelease ? 40 : 16
    var sigma = (0..<n).map { 1.0 + Double(n - $0) }
    sigma[4] = sigma[3] * (1 - 1e-7)
    var (x0, start) = perturbedProblem(n: n, len: n, sigma: sigma, noise: 1e-6, seed: 42)
    for j in 0..<n {   // rows 3 and 4 mixed at 45° (a Float Jacobi cannot resolve a 10⁻⁷ gap either)
        let (a, b) = (start[3, j], start[4, j])
        (start[3, j], start[4, j]) = ((a + b) / 2.0.squareRoot(), (b - a) / 2.0.squareRoot())
    }
    var y = start
    let params = JacobiParams(gramSteps: 6)
    let r = GramRefinement.run(x0: x0, y: &y, orthogonal: true, params: params, parallelism: .serial)
    #expect(!r.converged && r.orthogonal && r.steps < 6, "\(r.converged) \(r.orthogonal) \(r.steps)")

    var x = x0.elements
    var yy = [Double](repeating: 0, count: n * n)
    _ = try recoverAndRefine(x: &x, count: n, length: n, y: &yy, params: params, parallelism: .serial)
    let xm = Matrix(rows: n, cols: n, elements: x)
    #expect(maxCosine(xm) <= 4 * params.threshold(length: n, Double.self) + 2 * Double(n) * Double.ulpOfOne)
}

/// With no coupling limit, a pair of nearly equal σ gets a huge first-order correction: Y stops being
/// orthogonal, the refinement reports it, and recoverAndRefine falls back to rotating from the orthogonal start
/// (still an orthogonal Y with X = Y·X₀ and orthogonal rows).
@Test func lostOrthogonalityFallsBackToRotations() throws {
    let n = isRelease ? 30 : 12
    var sigma = (0..<n).map { 1.0 + Double(n - $0) }
    sigma[2] = sigma[1] * (1 + 1e-9)
    let (x0, start) = perturbedProblem(n: n, len: n, sigma: sigma, noise: 1e-4, seed: 43)
    var y = start
    let params = JacobiParams(gramSteps: 1, gramCoupling: .infinity)
    let r = GramRefinement.run(x0: x0, y: &y, orthogonal: true, params: params, parallelism: .serial)
    #expect(!r.orthogonal)

    var x = x0.elements
    var yy = [Double](repeating: 0, count: n * n)
    _ = try recoverAndRefine(x: &x, count: n, length: n, y: &yy, params: params, parallelism: .serial)
    let ym = Matrix(rows: n, cols: n, elements: yy), xm = Matrix(rows: n, cols: n, elements: x)
    #expect(orthonormalityError(columnsOf: ym) <= 20 * Double.ulpOfOne * Double(n))
    let prod = matmul(ym, x0)
    #expect(zip(prod.elements, xm.elements).map { abs($0 - $1) }.max()! <= 50 * Double.ulpOfOne * Double(n) * x0.maxAbs)
    #expect(maxCosine(xm) <= 4 * params.threshold(length: n, Double.self) + 2 * Double(n) * Double.ulpOfOne)
}

/// The blockwise symmetric product equals A·Aᵀ (four-block path at n ≥ 64, one block below).
@Test(arguments: [20, 70])
func symmetricGramMatchesProduct(n: Int) {
    let a = Matrix<Double>.gaussian(rows: n, cols: 33, seed: UInt64(n))
    let g = GramRefinement.symmetricGram(a, parallelism: .serial)
    let ref = matmul(a, a, transB: .transposed)
    #expect(zip(g.elements, ref.elements).map { abs($0 - $1) }.max()! <= 1e-12)
    for i in 0..<n { for j in 0..<n { #expect(g[i, j] == g[j, i]) } }
}
