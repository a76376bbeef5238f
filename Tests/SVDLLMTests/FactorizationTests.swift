import Foundation
import Testing
@testable import SVDLLM
import Factorizations
import GEMM
import LinearAlgebraCore

/// Whitening, ASVD scaling, plain SVD and the closed-form update on seeded random layers.
@Suite struct FactorizationTests {
    /// X: tokens × in with correlated, unequally scaled columns (like real activations); W: out × in.
    static func layer(tokens: Int = 400, inputs: Int = 48, outputs: Int = 40, seed: UInt64 = 7)
        -> (x: Matrix<Double>, w: Matrix<Double>) {
        let z = Matrix<Double>.gaussian(rows: tokens, cols: inputs, seed: seed)
        var mix = Matrix<Double>.gaussian(rows: inputs, cols: inputs, seed: seed + 1)
        for j in 0..<inputs { for i in 0..<inputs { mix[i, j] *= Foundation.pow(0.9, Double(j)) } }
        let x = matmul(z, mix)
        return (x, Matrix<Double>.gaussian(rows: outputs, cols: inputs, seed: seed + 2))
    }

    static func gram(_ x: Matrix<Double>) -> Matrix<Double> { matmul(x, x, transA: .transposed) }

    /// ‖(W − W_u W_v) Xᵀ‖_F² measured on X itself.
    static func directLoss(_ x: Matrix<Double>, _ w: Matrix<Double>, _ u: Matrix<Double>, _ v: Matrix<Double>) -> Double {
        let y = matmul(x, w, transB: .transposed), ya = matmul(matmul(x, v, transB: .transposed), u, transB: .transposed)
        return zip(y.elements, ya.elements).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    @Test func whitenedLossEqualsDroppedSigmaSquaredAndBeatsPlainSVD() throws {
        let (x, w) = Self.layer()
        let g = Self.gram(x)
        let l = try RegularizedCholesky(g, params: whiteningRegularization).l
        for r in [1, 10, 25, 39] {
            let whitened = try scaledTruncation(w, scaling: .lowerTriangular(l), rank: r, svd: .jacobi, layer: 0, name: "w")
            let plain = try scaledTruncation(w, scaling: .identity, rank: r, svd: .jacobi, layer: 0, name: "w")
            let direct = Self.directLoss(x, w, whitened.u, whitened.v)
            let tol = 1e3 * Double.ulpOfOne * Self.directLoss(x, w, Matrix(rows: w.rows, cols: 1), Matrix(rows: 1, cols: w.cols))
            #expect(abs(direct - whitened.truncationLoss) <= tol, "r \(r): \(direct) vs \(whitened.truncationLoss)")
            #expect(abs(outputLoss(w, whitened.u, whitened.v, gram: g) - direct) <= tol)
            // Optimal for the output loss: never worse than truncating W itself.
            #expect(direct <= Self.directLoss(x, w, plain.u, plain.v) + tol)
            #expect(whitened.u.cols == r && whitened.v.rows == r)
        }
    }

    /// The SVD of W·S in Float (``SVDPrecision/float``), bidiagonal and Jacobi: the factors represent the Double
    /// truncation to Float accuracy (the whitened truncation W_u·W_v·S within 1e3·ε_Float of it, the loss within
    /// 1e3·ε_Float·‖W·S‖²), and ``SVDPrecisionCheck`` measures that: zero against itself, the Float SVD's σ and
    /// truncation errors at the Float rounding level, its angles small on this well-separated spectrum.
    @Test(arguments: [TruncationSVD.bidiagonal, .jacobi])
    func floatSVDTruncatesLikeDouble(svd: TruncationSVD) throws {
        let (x, w) = Self.layer()
        let l = try RegularizedCholesky(Self.gram(x), params: whiteningRegularization).l
        let ws = matmul(w, l)
        let total = ws.elements.reduce(0) { $0 + $1 * $1 }
        for r in [1, 10, 39] {
            let double = try ScaledSVD(w, scaling: .lowerTriangular(l), svd: svd, rank: r, leadingVectorsOnly: true,
                                       layer: 0, name: "w")
            let float = try ScaledSVD(w, scaling: .lowerTriangular(l), svd: svd, precision: .float, rank: r,
                                      leadingVectorsOnly: true, layer: 0, name: "w")
            let fd = double.truncated(rank: r), ff = float.truncated(rank: r)
            let ad = matmul(matmul(fd.u, fd.v), l), af = matmul(matmul(ff.u, ff.v), l)
            let diff = zip(ad.elements, af.elements).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let norm = ad.elements.reduce(0) { $0 + $1 * $1 }
            #expect((diff / norm).squareRoot() <= 1e3 * Double(Float.ulpOfOne), "r \(r): W_u·W_v·S differs by \((diff / norm).squareRoot())")
            #expect(abs(ff.truncationLoss - fd.truncationLoss) <= 1e3 * Double(Float.ulpOfOne) * total)
            let same = try SVDPrecisionCheck(double, reference: double, rank: r)
            #expect(same == SVDPrecisionCheck(keptSigmaRelativeError: 0, sigmaErrorOverLargest: 0, leftSubspaceSine: same.leftSubspaceSine,
                                              rightSubspaceSine: same.rightSubspaceSine, truncationRelativeError: 0))
            #expect(same.leftSubspaceSine <= 1e-7 && same.rightSubspaceSine <= 1e-7)
            let check = try SVDPrecisionCheck(float, reference: double, rank: r)
            #expect(check.keptSigmaRelativeError <= 1e3 * Double(Float.ulpOfOne))
            #expect(check.sigmaErrorOverLargest <= 1e2 * Double(Float.ulpOfOne))
            #expect(check.truncationRelativeError <= 1e3 * Double(Float.ulpOfOne))
            #expect(check.leftSubspaceSine <= 1e-3 && check.rightSubspaceSine <= 1e-3)
            let measured = (diff / norm).squareRoot()   // the same quantity through W_u·W_v·S (one solve by S apart)
            #expect(abs(check.truncationRelativeError - measured) <= 1e-2 * measured + 1e-12)
        }
    }

    @Test func plainTruncationIsTheBestFrobeniusApproximation() throws {
        let (_, w) = Self.layer()
        let f = try scaledTruncation(w, scaling: .identity, rank: 12, svd: .jacobi, layer: 0, name: "w")
        let approx = matmul(f.u, f.v)
        let err = zip(w.elements, approx.elements).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(abs(err - f.truncationLoss) <= 1e3 * Double.ulpOfOne * w.elements.reduce(0) { $0 + $1 * $1 })
        // W_u and W_v carry √σ each: equal column / row norms.
        for j in 0..<12 {
            let un = (0..<f.u.rows).reduce(0.0) { $0 + f.u[$1, j] * f.u[$1, j] }
            let vn = (0..<f.v.cols).reduce(0.0) { $0 + f.v[j, $1] * f.v[j, $1] }
            #expect(abs(un - vn) <= 1e-10 * un)
        }
    }

    @Test func diagonalScalingUnscalesExactly() throws {
        let (_, w) = Self.layer(outputs: 20, seed: 11)
        let s = (0..<w.cols).map { 0.5 + Double($0) / 10 }
        let full = try scaledTruncation(w, scaling: .diagonal(s), rank: 20, svd: .jacobi, layer: 0, name: "w")
        let back = matmul(full.u, full.v)
        for k in w.elements.indices { #expect(abs(back.elements[k] - w.elements[k]) <= 1e-12 * 10) }
    }

    /// The Gram-based update equals the official code's least squares on all tokens (lstsq of X W_vᵀ against
    /// X Wᵀ), and lowers the output loss.
    @Test func closedFormUpdateEqualsLeastSquaresOnTheTokens() throws {
        let (x, w) = Self.layer(seed: 21)
        let (x2, _) = Self.layer(seed: 99)  // the "propagated" inputs differ from the profiled ones
        let l = try RegularizedCholesky(Self.gram(x), params: whiteningRegularization).l
        let f = try scaledTruncation(w, scaling: .lowerTriangular(l), rank: 15, svd: .jacobi, layer: 0, name: "w")
        let (u, report) = try closedFormUpdate(weight: w, v: f.v, gram: Self.gram(x2), layer: 0, name: "w")
        #expect(report.isUnshifted)
        let a = matmul(x2, f.v, transB: .transposed)  // tokens × r
        let b = matmul(x2, w, transB: .transposed)    // tokens × out
        let reference = try HouseholderQR(a).solveLeastSquares(b).transposed()
        var maxDiff = 0.0
        for k in u.elements.indices { maxDiff = max(maxDiff, abs(u.elements[k] - reference.elements[k])) }
        #expect(maxDiff <= 1e-8 * reference.maxAbs, "max |ΔU| = \(maxDiff)")
        #expect(Self.directLoss(x2, w, u, f.v) <= Self.directLoss(x2, w, f.u, f.v))
    }

    @Test func randomizedSVDTruncationIsCloseToJacobi() throws {
        let (x, w) = Self.layer(tokens: 300, inputs: 64, outputs: 64, seed: 5)
        let l = try RegularizedCholesky(Self.gram(x), params: whiteningRegularization).l
        let exact = try scaledTruncation(w, scaling: .lowerTriangular(l), rank: 16, svd: .jacobi, layer: 0, name: "w")
        let fast = try scaledTruncation(w, scaling: .lowerTriangular(l), rank: 16, svd: .rsvd, layer: 0, name: "w")
        let le = Self.directLoss(x, w, exact.u, exact.v), lf = Self.directLoss(x, w, fast.u, fast.v)
        #expect(lf >= le * (1 - 1e-9) && lf <= le * 1.05, "rsvd loss \(lf) vs jacobi \(le)")
    }
}

@Suite struct GramAccumulatorTests {
    @Test(arguments: [1, 5, 192])
    func lowerBlocksMirroredEqualXtX(blockSize: Int) {
        let x1 = Matrix<Float>.gaussian(rows: 37, cols: 23, seed: 1), x2 = Matrix<Float>.gaussian(rows: 11, cols: 23, seed: 2)
        var acc = GramAccumulator(dimension: 23, blockSize: blockSize)
        acc.add(x1, parallelism: .threads(2))
        acc.add(x2)
        #expect(acc.tokens == 48)
        let g = acc.gram
        for i in 0..<23 {
            for j in 0..<23 {
                var s = 0.0
                for t in 0..<37 { s += Double(x1[t, i]) * Double(x1[t, j]) }
                for t in 0..<11 { s += Double(x2[t, i]) * Double(x2[t, j]) }
                #expect(abs(g[i, j] - s) <= 64 * Double.ulpOfOne * 48 * 16)
            }
            let a = (0..<37).reduce(0.0) { $0 + abs(Double(x1[$1, i])) } + (0..<11).reduce(0.0) { $0 + abs(Double(x2[$1, i])) }
            #expect(abs(acc.absoluteSums[i] - a) <= 1e-12 * a)
        }
        var merged = GramAccumulator(dimension: 23, blockSize: blockSize)
        merged.add(x1)
        var other = GramAccumulator(dimension: 23)
        other.add(x2)
        merged.merge(other)
        #expect(merged.tokens == 48)
        for k in g.elements.indices { #expect(abs(merged.gram.elements[k] - g.elements[k]) <= 1e-12 * max(1, abs(g.elements[k]))) }
    }

    /// Batches of 70 and 257 tokens of width 130 (past several micro-tile, granule and macro-tile edges), on 1 and
    /// 2 threads: G within 2(tokens + 2)·ε·Σ|x_ti·x_tj| of the naive Double XᵀX, symmetric, and the absolute column
    /// sums equal to the sequential Double sums.
    @Test(arguments: [(0, 1), (0, 2), (48, 2)])
    func gramMatchesNaiveDoubleXtX(blockSize: Int, threads: Int) {
        let n = 130
        let batches = [Matrix<Float>.gaussian(rows: 70, cols: n, seed: 11), Matrix<Float>.gaussian(rows: 257, cols: n, seed: 12)]
        var acc = GramAccumulator(dimension: n, blockSize: blockSize)
        for x in batches { acc.add(x, parallelism: .threads(threads)) }
        #expect(acc.tokens == 327)
        let g = acc.gram
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0, mag = 0.0
                for x in batches {
                    for t in 0..<x.rows {
                        let v = Double(x[t, i]) * Double(x[t, j])
                        s += v
                        mag += abs(v)
                    }
                }
                worst = max(worst, abs(g[i, j] - s) / (2 * Double(acc.tokens + 2) * Double.ulpOfOne * mag))
                #expect(g[i, j] == g[j, i])
            }
            var a = 0.0
            for x in batches { for t in 0..<x.rows { a += Double(abs(x[t, i])) } }
            #expect(acc.absoluteSums[i] == a)
        }
        #expect(worst <= 1, "Gram error \(worst) × the bound")
    }
}
