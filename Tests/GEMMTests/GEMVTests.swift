@testable import GEMM
import LinearAlgebraCore
import Testing

/// The GEMV path (m = 1 or n = 1) through `.blocked` and `.parallel` (1–3 threads, threshold 0):
/// every transpose (dot and axpy forms), strided views (x and y with stride), lengths around the SIMD blocks.
@Test(arguments: [1, 2, 3])
func gemvMatchesReference(threads: Int) {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        let params = GEMMParams(parallelFlopThreshold: 0, parallelGEMVFlopThreshold: 0)
        let lengths = [1, 3, 8, 17, 37, 64, 130]
        for (index, (ta, tb)) in allTransposes.enumerated() {
            for (li, len) in lengths.enumerated() {
                let k = lengths[(li + index + 2) % lengths.count] + 5
                let (alpha, beta) = alphaBetas[(li + index) % 4]
                let pad = (li + index) % 3
                let rowCase = GEMMCase(m: 1, n: len, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta,
                                       pad: pad, seed: UInt64(li))
                let colCase = GEMMCase(m: len, n: 1, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta,
                                       pad: pad, seed: UInt64(li + 50))
                for variant in [GEMMVariant.blocked, .parallel] {
                    failures += checkGEMM(T.self, rowCase, variant: variant, parallelism: .threads(threads),
                                          params: params)
                    failures += checkGEMM(T.self, colCase, variant: variant, parallelism: .threads(threads),
                                          params: params)
                }
            }
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}
