import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

/// sin of the largest principal angle between span(X) and span(Y) (both with orthonormal columns), bounded
/// above by ‖Y − X XᵀY‖_F.
func subspaceGap<T: LinalgScalar>(_ x: Matrix<T>, _ y: Matrix<T>) -> Double {
    let xd = x.converted(to: Double.self), yd = y.converted(to: Double.self)
    var total = 0.0
    for j in 0..<yd.cols {
        var r = (0..<yd.rows).map { yd[$0, j] }
        for p in 0..<xd.cols {
            var d = 0.0
            for i in 0..<xd.rows { d += xd[i, p] * yd[i, j] }
            for i in 0..<xd.rows { r[i] -= d * xd[i, p] }
        }
        total += r.reduce(0) { $0 + $1 * $1 }
    }
    return total.squareRoot()
}

/// Randomized vs Jacobi on a decaying spectrum (σᵢ = 0.8ⁱ): top-k σ within 1e-3 relative, U_k and V_k spans
/// within 1e-3, for both sketches and both precisions, and valid thin factors.
@Test(arguments: [false, true], SVDSketch.allCases)
func randomizedMatchesJacobiOnDecayingSpectrum(double: Bool, sketch: SVDSketch) throws {
    let (m, n, k) = isRelease ? (150, 110, 12) : (50, 36, 6)
    let sigma = (0..<n).map { pow(0.8, Double($0)) }
    func run<T: GEMMScalar>(_: T.Type) throws {
        let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 91, T.self)
        let ref = try SVD(a).truncated(rank: k)
        for (mm, at) in [(a, false), (a.transposed(), true)] {
            for par in [Parallelism.serial, .threads(2)] {
                let svd = try SVD(mm, options: .init(algorithm: .randomized(rank: k, sketch: sketch, seed: 5),
                                                     parallelism: par))
                #expect(svd.singularValues.count == k && svd.u!.cols == k && svd.vt!.rows == k)
                for i in 0..<k {
                    let rel = abs(svd.singularValues[i].asDouble - ref.s[i].asDouble) / ref.s[i].asDouble
                    #expect(rel <= 1e-3, "σ\(i) rel \(rel)")
                }
                let (u, v) = at ? (svd.vt!.transposed(), svd.u!) : (svd.u!, svd.vt!.transposed())
                let gu = subspaceGap(ref.u, u), gv = subspaceGap(ref.vt.transposed(), v)
                #expect(gu <= 1e-3 && gv <= 1e-3, "subspace gaps \(gu), \(gv)")
                #expect(orthonormalityError(columnsOf: svd.u!) <= 100 * T.machineEpsilon)
                #expect(orthonormalityError(columnsOf: svd.vt!.transposed()) <= 100 * T.machineEpsilon)
            }
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// With l = min(m, n) columns the Double range finder captures A exactly: the randomized SVD is exact. The
/// Float range (`mixedPrecisionRange`) of this tall A spans range(A) only to θ ≈ ε_f32·κ(A): A ≈ UΣVᵀ to O(θ),
/// σ (a Rayleigh–Ritz projection) to O(θ²·σ₁); U, V stay orthonormal to Double precision.
@Test func fullSketchIsExact() throws {
    let a = Matrix<Double>.gaussian(rows: 20, cols: 12, seed: 4)
    let ref = try SVD(a)
    let theta = Float.machineEpsilon * ref.singularValues[0] / ref.singularValues[11]
    for sketch in SVDSketch.allCases {
        for mixed in [false, true] {
            let svd = try SVD(a, options: .init(algorithm: .randomized(rank: 12, oversampling: 0, powerIterations: 0,
                                                                        sketch: sketch, seed: 1,
                                                                        mixedPrecisionRange: mixed)))
            if mixed {
                #expect(reconstructionError(a, svd) <= 10 * theta)
                #expect(orthonormalityError(columnsOf: svd.u!) <= 100 * Double.ulpOfOne)
                #expect(orthonormalityError(columnsOf: svd.vt!.transposed()) <= 100 * Double.ulpOfOne)
            } else {
                #expect(expectValidSVD(a, svd).isEmpty)
            }
            let tol = mixed ? 10 * theta * theta + 50 * Double.ulpOfOne : 50 * Double.ulpOfOne
            for i in 0..<12 { #expect(abs(svd.singularValues[i] - ref.singularValues[i]) <= tol * ref.singularValues[0]) }
        }
    }
}

@Test func randomizedIsSeededAndValuesOnlyWorks() throws {
    let a = Matrix<Float>.gaussian(rows: 30, cols: 25, seed: 8)
    let alg = SVDAlgorithm.randomized(rank: 4, sketch: .srft, seed: 3)
    let x = try SVD(a, options: .init(algorithm: alg)), y = try SVD(a, options: .init(algorithm: alg))
    #expect(x.singularValues == y.singularValues && x.u == y.u)
    let v = try SVD(a, options: .init(computeVectors: .valuesOnly, algorithm: alg))
    // Values-only runs the small Jacobi without vectors (the thin one recovers V after values-first sweeps):
    // same σ to rounding.
    #expect(v.u == nil && v.singularValues.count == x.singularValues.count)
    for (p, q) in zip(v.singularValues, x.singularValues) {
        #expect(abs(p - q) <= 20 * Float.ulpOfOne * x.singularValues[0])
    }
}

@Test func randomizedRejectsBadArguments() {
    let a = Matrix<Double>.gaussian(rows: 6, cols: 4, seed: 1)
    #expect(throws: SVDError.invalidArgument(name: "rank", reason: "0 is not in 1...min(m, n) = 4")) {
        try SVD(a, options: .init(algorithm: .randomized(rank: 0)))
    }
    #expect(throws: SVDError.self) { try SVD(a, options: .init(algorithm: .randomized(rank: 5))) }
    #expect(throws: SVDError.invalidArgument(name: "oversampling", reason: "-1 is negative")) {
        try SVD(a, options: .init(algorithm: .randomized(rank: 2, oversampling: -1)))
    }
    #expect(throws: SVDError.invalidArgument(name: "powerIterations", reason: "-2 is negative")) {
        try SVD(a, options: .init(algorithm: .randomized(rank: 2, powerIterations: -2)))
    }
}

/// The SRFT sketch is a linear map Y = AΩ with ΩᵀΩ = (n/l)·I (D, F orthogonal; R picks distinct columns):
/// Ω is read off by sketching the identity, then AΩ by GEMM must equal the sketch of A.
@Test(arguments: [false, true])
func srftIsTheStatedLinearMap(double: Bool) {
    func run<T: GEMMScalar>(_: T.Type) {
        for (m, n, l) in [(37, 50, 9), (5, 64, 64), (70, 33, 1)] {
            let omega = SRFTSketch.apply(Matrix<T>.identity(n), columns: l, seed: 12, parallelism: .serial)   // n × l
            let gram = matmul(omega, omega, transA: .transposed)
            let scale = Double(n) / Double(l)
            var worst = 0.0
            for i in 0..<l { for j in 0..<l { worst = max(worst, abs(gram[i, j].asDouble - (i == j ? scale : 0))) } }
            #expect(worst <= 20 * T.machineEpsilon * scale * Double(n).squareRoot())
            let a = Matrix<T>.gaussian(rows: m, cols: n, seed: 13)
            let y = SRFTSketch.apply(a, columns: l, seed: 12, parallelism: .threads(2))
            let yRef = matmul(a, omega)
            let err = zip(y.elements, yRef.elements).map { abs($0.asDouble - $1.asDouble) }.max() ?? 0
            #expect(err <= 50 * T.machineEpsilon * Double(n).squareRoot() * a.maxAbs)
        }
    }
    if double { run(Double.self) } else { run(Float.self) }
}

/// Every range orthonormalization gives orthonormal columns spanning span(Y); CholQR2 hands over to Householder
/// for a rank-deficient or badly conditioned Y, and the randomized SVD is valid with each.
@Test(arguments: [false, true])
func rangeOrthonormalizationsSpanTheSketch(double: Bool) throws {
    func run<T: GEMMScalar>(_: T.Type) throws {
        let (m, l) = isRelease ? (120, 30) : (40, 9)
        let gauss = Matrix<T>.gaussian(rows: m, cols: l, seed: 12)
        var deficient = gauss
        for i in 0..<m { deficient[i, 2] = deficient[i, 0] }   // rank l − 1: Cholesky fails
        var graded = gauss
        for i in 0..<m { for j in 0..<l { graded[i, j] *= T(pow(10, -9 * Double(j) / Double(l - 1))) } }
        for (name, y) in [("gaussian", gauss), ("rank deficient", deficient), ("κ ≈ 1e9", graded)] {
            for method in RangeOrthonormalization.allCases {
                let q = method.orthonormalize(y, parallelism: .serial)
                #expect(q.rows == m && q.cols == l)
                #expect(orthonormalityError(columnsOf: q) <= 50 * T.machineEpsilon * Double(m), "\(name) \(method)")
                if name == "gaussian" {   // span(Y) ⊆ span(Q): ‖Y − QQᵀY‖ small relative to ‖Y‖
                    #expect(subspaceGap(q, Matrix(rows: m, cols: l, elements: y.elements.map { $0 / T(y.frobeniusNorm) }))
                            <= 100 * T.machineEpsilon * Double(m), "\(name) \(method)")
                }
            }
        }
        let a = Matrix<T>.gaussian(rows: 50, cols: 40, seed: 13)
        for method in RangeOrthonormalization.allCases {
            let parts = try randomizedSVD(a, rank: 8, oversampling: 5, powerIterations: 2, sketch: .gaussian, seed: 2,
                                          vectors: true, params: .init(), parallelism: .serial,
                                          orthonormalization: method)
            #expect(orthonormalityError(columnsOf: parts.u!) <= 100 * T.machineEpsilon, "\(method)")
        }
    }
    if double { try run(Double.self) } else { try run(Float.self) }
}

/// The three CholQR tiers for a Float Y (m × l) of growing κ: the Float Gram (κ ≤ 870), the Gram accumulated in
/// Double (κ ≤ 1.7·10⁵), Householder beyond. Each intermediate pass leaves a well-conditioned basis spanning Y;
/// the full CholQR2 is orthonormal to O(ε_f32) whichever tier its first pass took.
@Test func floatCholeskyQRTiers() {
    let (m, l) = isRelease ? (200, 40) : (60, 12)
    let gauss = Matrix<Float>.gaussian(rows: m, cols: l, seed: 31)
    for (kappa, floatGram, doubleGram) in [(1e2, true, true), (1e4, false, true), (1e7, false, false)] {
        var y = gauss   // columns graded from 1 to 1/κ: κ(Y) ≈ κ·κ(gauss)
        for i in 0..<m { for j in 0..<l { y[i, j] *= Float(pow(kappa, -Double(j) / Double(l - 1))) } }
        let viaFloat = RangeOrthonormalization.choleskyQRPass(
            y, conditionLimit: RangeOrthonormalization.floatGramConditionLimit, gramInDouble: false, parallelism: .serial)
        let viaDouble = RangeOrthonormalization.choleskyQRPass(
            y, conditionLimit: RangeOrthonormalization.choleskyQRConditionLimit(Float.self), parallelism: .serial)
        #expect((viaFloat != nil) == floatGram && (viaDouble != nil) == doubleGram, "κ \(kappa)")
        let inter = RangeOrthonormalization.choleskyQR2.orthonormalize(y, intermediate: true, parallelism: .serial)
        #expect(orthonormalityError(columnsOf: inter) <= 0.1, "κ \(kappa)")
        let q = RangeOrthonormalization.choleskyQR2.orthonormalize(y, parallelism: .serial)
        #expect(orthonormalityError(columnsOf: q) <= 50 * Float.machineEpsilon * Double(m), "κ \(kappa)")
        // span(Y) ⊆ span(Q), column by column relative to the column's norm (the graded ones are tiny).
        let yd = y.converted(to: Double.self), qd = q.converted(to: Double.self)
        var worst = 0.0
        for j in 0..<l {
            var r = (0..<m).map { yd[$0, j] }
            let norm = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for p in 0..<l {
                var d = 0.0
                for i in 0..<m { d += qd[i, p] * yd[i, j] }
                for i in 0..<m { r[i] -= d * qd[i, p] }
            }
            worst = max(worst, r.reduce(0) { $0 + $1 * $1 }.squareRoot() / norm)
        }
        #expect(worst <= 100 * Float.machineEpsilon * min(kappa, 1e4), "κ \(kappa): span residual \(worst)")
    }
}

/// A CholQR pass applies L⁻ᵀ either as the blocked product with the explicit inverse (the default) or by the
/// triangular solve (the reference): the two agree to O(ε·κ(Y)) and both give orthonormal columns after two
/// passes — with blocks smaller and larger than l.
@Test(arguments: [false, true])
func choleskyQRInverseProductMatchesSolve(double: Bool) {
    func run<T: GEMMScalar>(_: T.Type) {
        let (m, l) = isRelease ? (300, 150) : (70, 20)   // l > productBlock (128) in release: several blocks
        var y = Matrix<T>.gaussian(rows: m, cols: l, seed: 8)
        for i in 0..<m { for j in 0..<l { y[i, j] *= T(pow(1e3, -Double(j) / Double(l - 1))) } }
        var bySolve = y, byProduct = y
        #expect(RangeOrthonormalization.choleskyQRPassInPlace(&bySolve, bySolve: true, parallelism: .serial))
        #expect(RangeOrthonormalization.choleskyQRPassInPlace(&byProduct, parallelism: .threads(2)))
        let diff = zip(bySolve.elements, byProduct.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
        #expect(diff <= 100 * T.machineEpsilon * 1e3, "\(T.self): solve vs product \(diff)")
        #expect(RangeOrthonormalization.choleskyQRPassInPlace(&bySolve, bySolve: true, parallelism: .serial))
        #expect(RangeOrthonormalization.choleskyQRPassInPlace(&byProduct, parallelism: .serial))
        #expect(orthonormalityError(columnsOf: bySolve) <= 20 * T.machineEpsilon * Double(m))
        #expect(orthonormalityError(columnsOf: byProduct) <= 20 * T.machineEpsilon * Double(m))
    }
    if double { run(Double.self) } else { run(Float.self) }
}
