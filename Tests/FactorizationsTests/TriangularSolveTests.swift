@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

struct TriangularCase: CustomTestStringConvertible, Sendable {
    let side: Side, part: TriangularPart, transpose: Transpose, diagonal: Diagonal
    var testDescription: String { "\(side) \(part) \(transpose.rawValue) \(diagonal)" }

    static let all: [TriangularCase] = Side.allCases.flatMap { s in
        TriangularPart.allCases.flatMap { p in
            Transpose.allCases.flatMap { t in Diagonal.allCases.map { TriangularCase(side: s, part: p, transpose: t, diagonal: $0) } }
        }
    }
}

/// Solves in strided views (A and B embedded in NaN-padded storage, A's other triangle NaN) and checks
/// ‖op(A)·X − α·B‖_F ≤ c·n·ε·‖op(A)‖_F·‖X‖_F (left; X·op(A) for right).
func checkTriangularSolve<T: GEMMScalar>(
    _: T.Type, _ c: TriangularCase, n: Int, rhs: Int, variant: TriangularSolveVariant,
    params: TriangularSolveParams = .default, parallelism: Parallelism = .serial, alpha: T = 1
) {
    let seed = UInt64(n * 1000 + rhs)
    let a = randomTriangular(n, part: c.part, diagonal: c.diagonal, seed: seed, as: T.self)
    let b = Matrix<T>.uniform(rows: c.side == .left ? n : rhs, cols: c.side == .left ? rhs : n, seed: seed + 1)
    let aStore = padded(a)
    var bStore = padded(b, padding: 5)
    aStore.withView { av in
        bStore.withMutableView { bv in
            triangularSolve(side: c.side, part: c.part, transpose: c.transpose, diagonal: c.diagonal,
                            av.block(rows: 0..<n, cols: 0..<n), bv.block(rows: 0..<b.rows, cols: 0..<b.cols),
                            alpha: alpha, variant: variant, params: params, parallelism: parallelism)
        }
    }
    // padding untouched
    #expect(bStore[b.rows, 0] == 5 && bStore[0, b.cols] == 5)
    let x = bStore.submatrix(rows: 0..<b.rows, cols: 0..<b.cols)
    var opA = explicitTriangle(a, part: c.part, diagonal: c.diagonal)
    if c.transpose == .transposed { opA = opA.transposed() }
    let lhs = c.side == .left ? product(opA, x) : product(x, opA)
    let target = Matrix<Double>(rows: b.rows, cols: b.cols) { b[$0, $1].asDouble * alpha.asDouble }
    let residual = distance(lhs, target)
    let tolerance = 4 * Double(n) * T.machineEpsilon * opA.frobeniusNorm * x.frobeniusNorm
    #expect(x.isFinite)
    #expect(residual <= tolerance,
            "\(T.self) \(c.testDescription) n=\(n) \(variant): residual \(residual) > \(tolerance)")
}

@Test(arguments: TriangularCase.all, TriangularSolveVariant.allCases)
func triangularSolveAllCombinations(c: TriangularCase, variant: TriangularSolveVariant) {
    for n in [1, 2, 5, 37, 100] {
        checkTriangularSolve(Double.self, c, n: n, rhs: 7, variant: variant)
        checkTriangularSolve(Float.self, c, n: n, rhs: 3, variant: variant, alpha: -0.5)
    }
    checkTriangularSolve(Double.self, c, n: 20, rhs: 1, variant: variant, alpha: 2)
}

@Test(arguments: TriangularCase.all)
func triangularSolveTinyBlocksAndThreads(c: TriangularCase) {
    for blockSize in [1, 2, 3, 5] {
        let params = TriangularSolveParams(blockSize: blockSize, parallelGranule: 2, parallelFlopThreshold: 0)
        checkTriangularSolve(Double.self, c, n: 23, rhs: 9, variant: .blocked, params: params)
        checkTriangularSolve(Double.self, c, n: 23, rhs: 9, variant: .blocked, params: params,
                             parallelism: .threads(3))
        checkTriangularSolve(Float.self, c, n: 11, rhs: 300, variant: .blocked, params: params,
                             parallelism: .threads(2), alpha: 3)
    }
}

@Test func triangularSolveBlockedMatchesNaive() {
    let n = 64, rhs = 5
    let a = randomTriangular(n, part: .upper, diagonal: .nonUnit, seed: 1, as: Double.self)
    let b = Matrix<Double>.gaussian(rows: n, cols: rhs, seed: 2)
    var x1 = b, x2 = b
    a.withView { av in
        x1.withMutableView { triangularSolve(side: .left, part: .upper, transpose: .transposed, av, $0, variant: .naive) }
        x2.withMutableView {
            triangularSolve(side: .left, part: .upper, transpose: .transposed, av, $0, variant: .blocked,
                            params: TriangularSolveParams(blockSize: 6))
        }
    }
    #expect(distance(x1, x2) <= 100 * Double.machineEpsilon * x1.frobeniusNorm)
}

@Test func triangularSolveAlphaZeroAndEmpty() {
    let a = Matrix<Double>.identity(3)
    var b = Matrix<Double>(rows: 3, cols: 2, repeating: .nan)
    for variant in TriangularSolveVariant.allCases {
        a.withView { av in b.withMutableView { triangularSolve(side: .left, part: .lower, av, $0, alpha: 0, variant: variant) } }
        #expect(b.elements.allSatisfy { $0 == 0 })
    }
    var empty = Matrix<Double>(rows: 3, cols: 0)
    a.withView { av in empty.withMutableView { triangularSolve(side: .left, part: .lower, av, $0) } }
}
