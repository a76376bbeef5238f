@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

@Test(arguments: TriangularPart.allCases, Diagonal.allCases)
func triangularInverseTimesAIsIdentity(part: TriangularPart, diagonal: Diagonal) throws {
    for (n, blockSize) in [(1, 32), (2, 1), (9, 2), (20, 3), (70, 5), (70, 32)] {
        for isFloat in [false, true] {
            let params = TriangularSolveParams(blockSize: blockSize)
            let a = randomTriangular(n, part: part, diagonal: diagonal, seed: UInt64(n), as: Double.self)
            let dense = explicitTriangle(a, part: part, diagonal: diagonal)
            let residual: Double
            let eps: Double
            if isFloat {
                let inv = try triangularInverse(part: part, diagonal: diagonal, a.converted(to: Float.self),
                                                params: params)
                #expect(distance(inv, explicitTriangle(inv, part: part, diagonal: diagonal)) == 0)
                residual = distance(product(inv, dense.converted(to: Float.self)), Matrix<Double>.identity(n))
                eps = Float.machineEpsilon
            } else {
                let inv = try triangularInverse(part: part, diagonal: diagonal, a, params: params)
                #expect(distance(inv, explicitTriangle(inv, part: part, diagonal: diagonal)) == 0)
                residual = distance(product(inv, dense), Matrix<Double>.identity(n))
                eps = Double.machineEpsilon
            }
            #expect(residual <= 8 * Double(n) * eps * Double(n).squareRoot(),
                    "n=\(n) \(part) \(diagonal) float=\(isFloat): ‖A⁻¹A − I‖ = \(residual)")
        }
    }
}

@Test func triangularInverseInPlaceLeavesOtherTriangle() throws {
    let n = 12
    let a = randomTriangular(n, part: .lower, diagonal: .nonUnit, seed: 3, as: Double.self)
    var storage = padded(a, padding: 9)
    try storage.withMutableView { v in
        try triangularInverse(part: .lower, v.block(rows: 0..<n, cols: 0..<n), params: TriangularSolveParams(blockSize: 4))
    }
    #expect(storage[0, 1].isNaN && storage[3, 7].isNaN && storage[n, 0] == 9)
    let inv = explicitTriangle(storage.submatrix(rows: 0..<n, cols: 0..<n), part: .lower, diagonal: .nonUnit)
    #expect(distance(product(inv, explicitTriangle(a, part: .lower, diagonal: .nonUnit)), Matrix<Double>.identity(n))
        <= 1e-13)
}

@Test func triangularInverseRejectsSingularAndNonSquare() {
    var a = Matrix<Double>.identity(5)
    a[3, 3] = 0
    #expect(throws: FactorizationError.singular(index: 3)) { try triangularInverse(part: .upper, a) }
    #expect(throws: Never.self) { try triangularInverse(part: .upper, diagonal: .unit, a) }
    #expect(throws: FactorizationError.dimensionMismatch(argument: "a", expected: "a square matrix", got: "2×3")) {
        try triangularInverse(part: .lower, Matrix<Double>(rows: 2, cols: 3))
    }
}
