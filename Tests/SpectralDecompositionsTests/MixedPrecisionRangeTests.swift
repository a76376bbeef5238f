import Foundation
import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

// The mixed-precision range finder of the Double randomized SVD (`mixedPrecisionRange`): the sketch and power
// iterations in Float, the final orthonormalization, B = QᵀA and its SVD in Double.

private func randomized(_ a: Matrix<Double>, rank k: Int, oversampling p: Int = 10, powerIterations q: Int = 2,
                        sketch: SVDSketch, mixed: Bool, parallelism: Parallelism = .serial) throws -> SVD<Double> {
    try SVD(a, options: .init(algorithm: .randomized(rank: k, oversampling: p, powerIterations: q, sketch: sketch,
                                                     seed: 5, mixedPrecisionRange: mixed),
                              parallelism: parallelism))
}

/// σᵢ = 0.8ⁱ: with and without the Float range, the top-k σ are within 10⁻³ of Jacobi's and of each other,
/// U_k and V_k span Jacobi's to 10⁻³, and U, V are orthonormal to Double precision (the last
/// orthonormalization is in Double) — for both sketches, tall and wide, serial and threaded.
@Test(arguments: SVDSketch.allCases)
func mixedRangeMatchesDoubleRangeOnDecayingSpectrum(sketch: SVDSketch) throws {
    let (m, n, k) = isRelease ? (150, 110, 12) : (50, 36, 6)
    let sigma = (0..<n).map { pow(0.8, Double($0)) }
    let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 91, Double.self)
    let ref = try SVD(a).truncated(rank: k)
    for (mm, at) in [(a, false), (a.transposed(), true)] {
        for par in [Parallelism.serial, .threads(2)] {
            let mixed = try randomized(mm, rank: k, sketch: sketch, mixed: true, parallelism: par)
            let pure = try randomized(mm, rank: k, sketch: sketch, mixed: false, parallelism: par)
            for svd in [mixed, pure] {
                #expect(svd.singularValues.count == k && svd.u!.cols == k && svd.vt!.rows == k)
                for i in 0..<k {
                    let rel = abs(svd.singularValues[i] - ref.s[i]) / ref.s[i]
                    #expect(rel <= 1e-3, "σ\(i) rel \(rel)")
                }
                let (u, v) = at ? (svd.vt!.transposed(), svd.u!) : (svd.u!, svd.vt!.transposed())
                let gu = subspaceGap(ref.u, u), gv = subspaceGap(ref.vt.transposed(), v)
                #expect(gu <= 1e-3 && gv <= 1e-3, "subspace gaps \(gu), \(gv)")
                #expect(orthonormalityError(columnsOf: svd.u!) <= 100 * Double.ulpOfOne)
                #expect(orthonormalityError(columnsOf: svd.vt!.transposed()) <= 100 * Double.ulpOfOne)
            }
            for i in 0..<k {
                let rel = abs(mixed.singularValues[i] - pure.singularValues[i]) / pure.singularValues[i]
                #expect(rel <= 1e-3, "σ\(i) mixed vs pure rel \(rel)")
            }
            #expect(subspaceGap(pure.u!, mixed.u!) <= 2e-3)
        }
    }
}

/// A matrix of exact rank r ≤ l: the Double range finder captures it to rounding, the Float one to its floor.
/// Pure Double: σ and the spans to a small multiple of ε. Mixed: the span is turned by θ ≈ ε_f32·σ₁/σ_r, the
/// singular vectors are off by O(θ) and the σ — a Rayleigh–Ritz projection — by O(θ²·σ₁), still far below
/// anything a randomized tolerance would notice.
@Test(arguments: SVDSketch.allCases)
func floatRangeFloorOnAnExactlyLowRankMatrix(sketch: SVDSketch) throws {
    let (m, n, r, k) = isRelease ? (90, 70, 10, 8) : (40, 30, 8, 6)
    let sigma = (0..<n).map { $0 < r ? pow(100, -Double($0) / Double(r - 1)) : 0 }   // 1 … 10⁻², then 0
    let a = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 44, Double.self)
    let ref = try SVD(a).truncated(rank: k)
    let theta = Float.machineEpsilon * sigma[0] / sigma[r - 1]
    for mixed in [false, true] {
        let svd = try randomized(a, rank: k, oversampling: r - k + 2, powerIterations: 1, sketch: sketch, mixed: mixed)
        let sErr = (0..<k).map { abs(svd.singularValues[$0] - ref.s[$0]) }.max()!
        let gu = subspaceGap(ref.u, svd.u!), gv = subspaceGap(ref.vt.transposed(), svd.vt!.transposed())
        if mixed {
            #expect(sErr <= 10 * theta * theta * sigma[0] + 1e3 * Double.ulpOfOne, "σ error \(sErr)")
            #expect(gu <= theta && gv <= theta, "subspace gaps \(gu), \(gv)")
        } else {
            #expect(sErr <= 1e3 * Double.ulpOfOne, "σ error \(sErr)")
            #expect(gu <= 1e4 * Double.ulpOfOne && gv <= 1e4 * Double.ulpOfOne, "subspace gaps \(gu), \(gv)")
        }
        #expect(orthonormalityError(columnsOf: svd.u!) <= 100 * Double.ulpOfOne)
        #expect(orthonormalityError(columnsOf: svd.vt!.transposed()) <= 100 * Double.ulpOfOne)
    }
}

/// Entries far outside Float's range (2^±150: a raw Float copy would be ±∞ or 0) and at Double's extremes
/// (2¹⁰⁰⁰, and 2⁻¹⁰⁴⁰ where the Double entries themselves are subnormal): the Float copy is scaled by a power of
/// two, so the result is the SVD of the normal-range matrix scaled back, to rounding.
@Test(arguments: SVDSketch.allCases)
func floatRangeIsScaled(sketch: SVDSketch) throws {
    let (m, n, k) = isRelease ? (80, 60, 8) : (30, 24, 5)
    let sigma = (0..<n).map { pow(0.7, Double($0)) }
    let base = matrixWithSpectrum(rows: m, cols: n, sigma: sigma, seed: 17, Double.self)
    let ref = try randomized(base, rank: k, sketch: sketch, mixed: true)
    for e in [150, -150, 1000, -1040] {
        let a = base.scaledByPowerOfTwo(e)
        let svd = try randomized(a, rank: k, sketch: sketch, mixed: true)
        let quantum = e < -1000 ? pow(2.0, -1074.0 - Double(e)) * Double(n) : 0   // subnormal inputs' spacing
        for i in 0..<k {
            let got = svd.singularValues[i].scaledByPowerOfTwo(-e)
            #expect(abs(got - ref.singularValues[i]) <= 20 * Double.ulpOfOne * ref.singularValues[0] + 1e3 * quantum,
                    "2^\(e): σ\(i) \(got) vs \(ref.singularValues[i])")
        }
        #expect(orthonormalityError(columnsOf: svd.u!) <= 100 * Double.ulpOfOne)
        #expect(orthonormalityError(columnsOf: svd.vt!.transposed()) <= 100 * Double.ulpOfOne)
        #expect(subspaceGap(ref.u!, svd.u!) <= 1e-6)
    }
}

/// The switch has no effect on Float input.
@Test func mixedRangeSwitchDoesNotAffectFloat() throws {
    let a = matrixWithSpectrum(rows: 40, cols: 30, sigma: (0..<30).map { pow(0.8, Double($0)) }, seed: 3, Float.self)
    for sketch in SVDSketch.allCases {
        let svd = { (mixed: Bool) in
            try SVD(a, options: .init(algorithm: .randomized(rank: 5, sketch: sketch, seed: 2, mixedPrecisionRange: mixed)))
        }
        let (x, y) = (try svd(true), try svd(false))
        #expect(x.singularValues == y.singularValues && x.u == y.u && x.vt == y.vt)
    }
}

/// The Float copy: scaled by 2^e, entries below Float's least normal number flushed to 0.
@Test func floatCopyScalesAndFlushes() {
    let a = Matrix<Double>(rows: 2, cols: 3, elements: [1.5, -3, 0x1p-140, 0x1p-120, -0x1p-200, 6])
    let f = floatCopy(a, scaledByPowerOfTwo: -2)
    #expect(f.elements == [0.375, -0.75, 0, 0x1p-122, 0, 1.5])
    #expect(doubleCopy(f).elements == f.elements.map(Double.init))
}

/// The specialized Gaussian fill draws exactly Matrix.gaussian's entries.
@Test func gaussianMatrixMatchesMatrixGaussian() {
    #expect(gaussianMatrix(rows: 7, cols: 5, seed: 9, Float.self) == Matrix<Float>.gaussian(rows: 7, cols: 5, seed: 9))
    #expect(gaussianMatrix(rows: 6, cols: 3, seed: 2, Double.self) == Matrix<Double>.gaussian(rows: 6, cols: 3, seed: 2))
}
