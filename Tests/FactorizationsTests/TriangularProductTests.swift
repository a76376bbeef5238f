@testable import Factorizations
import GEMM
import LinearAlgebraCore
import Testing

/// A·L (L lower triangular, its strict upper triangle NaN, which must not be read) against the reference, within
/// 2(n + 2)·ε·Σₖ|a_ik·l_kj| per entry: n below, at and above the block width, block widths 1, 5 and the default,
/// Float and Double, serial and on two threads.
@Test(arguments: [(1, 1), (7, 5), (13, 96), (40, 97), (33, 200)])
func lowerTriangularProductMatchesReference(m: Int, n: Int) {
    func run<T: GEMMScalar>(_: T.Type) {
        let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m * 1000 + n))
        var l = Matrix<T>.gaussian(rows: n, cols: n, seed: UInt64(m * 1000 + n + 1))
        let ref = lowerTriangularProduct_ref(a, l)
        for i in 0..<n { for j in (i + 1)..<n { l[i, j] = .nan } }
        for (width, threads) in [(1, 1), (5, 2), (96, 1), (96, 2)] {
            let c = lowerTriangularProduct(a, l, blockWidth: width, parallelism: .threads(threads))
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var mag = 0.0
                    for k in j..<n { mag += abs(a[i, k].asDouble * l[k, j].asDouble) }
                    let bound = 2 * Double(n + 2) * T.machineEpsilon * mag + Double.leastNormalMagnitude
                    worst = max(worst, abs(c[i, j].asDouble - ref[i, j].asDouble) / bound)
                }
            }
            #expect(worst <= 1, "\(T.self) \(m)×\(n) width \(width) threads \(threads): \(worst) × the bound")
        }
    }
    run(Float.self)
    run(Double.self)
}
