@testable import GEMM
import LinearAlgebraCore
import Testing

@Test func naiveMultipliesSmallExample() {
    let a = Matrix<Double>(rows: 2, cols: 3, elements: [1, 2, 3, 4, 5, 6])
    let b = Matrix<Double>(rows: 3, cols: 2, elements: [7, 8, 9, 10, 11, 12])
    #expect(matmul(a, b, variant: .naive).elements == [58, 64, 139, 154])
}
