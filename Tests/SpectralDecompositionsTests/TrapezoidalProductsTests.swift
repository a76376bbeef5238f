import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

/// Y·R and X·Rᵀ with R upper trapezoidal (square, wide, tall; one block and four) equal the full products.
@Test(arguments: [(20, 20), (70, 70), (66, 90), (90, 66)])
func trapezoidalProductsMatchFullProducts(k: Int, len: Int) {
    let g = Matrix<Double>.gaussian(rows: k, cols: len, seed: UInt64(k * 1000 + len))
    let r = Matrix<Double>(rows: k, cols: len) { i, j in j >= i ? g[i, j] : 0 }
    #expect(TrapezoidalProducts.isUpperTrapezoidal(r))
    #expect(!TrapezoidalProducts.isUpperTrapezoidal(g))
    let y = Matrix<Double>.gaussian(rows: 37, cols: k, seed: 5)
    let x = Matrix<Double>.gaussian(rows: 37, cols: len, seed: 6)
    for trapezoidal in [true, false] {
        let p = TrapezoidalProducts.product(y, r, trapezoidal: trapezoidal, parallelism: .serial)
        let q = TrapezoidalProducts.productTransposed(x, r, trapezoidal: trapezoidal, parallelism: .serial)
        let (pRef, qRef) = (matmul(y, r), matmul(x, r, transB: .transposed))
        #expect(zip(p.elements, pRef.elements).map { abs($0 - $1) }.max()! <= 1e-12)
        #expect(zip(q.elements, qRef.elements).map { abs($0 - $1) }.max()! <= 1e-12)
    }
}
