import Benchmark
import SVDLLMKit

func registerFactorizationBenchmarks() {
    registerFactorizations(Float.self)
    registerFactorizations(Double.self)
}

/// XᵀX/rows + I for a Gaussian X (n+64 rows): symmetric positive definite, like a calibration Gram.
func spdMatrix<T: GEMMScalar>(_ n: Int, _: T.Type) -> Matrix<T> {
    let x = Matrix<T>.gaussian(rows: n + 64, cols: n, seed: 5)
    var g = matmul(x, x, transA: .transposed)
    for i in 0..<n {
        for j in 0..<n { g[i, j] /= T(Double(n + 64)) }
        g[i, i] += 1
    }
    return g
}

func registerFactorizations<T: GEMMScalar>(_: T.Type) {
    // Cholesky, n³/3 flops.
    for n in [576, 1536] {
        for variant in CholeskyVariant.allCases {
            Benchmark("cholesky \(variant.rawValue) \(T.dtypeName) \(n)") { benchmark in
                let a = spdMatrix(n, T.self)
                var work = a
                try measureFlops(benchmark, flops: Double(n * n * n) / 3, setup: { work = a }) {
                    try work.withMutableView { try choleskyInPlace($0, variant: variant) }
                }
                blackHole(work)
            }
        }
    }
    // Triangular solve L X = B, L m×m lower, B m×n: m²n flops.
    for (m, n) in [(576, 576), (1536, 1536)] {
        for variant in TriangularSolveVariant.allCases {
            Benchmark("trsm \(variant.rawValue) \(T.dtypeName) \(m)x\(n)") { benchmark in
                let l = Matrix<T>(rows: m, cols: m) { i, j in i == j ? 2 : (j < i ? T(0.5) / T(Double(m)) : 0) }
                let b = Matrix<T>.uniform(rows: m, cols: n, seed: 3)
                var x = b
                l.withView { lv in
                    measureFlops(benchmark, flops: Double(m * m * n), setup: { x = b }) {
                        x.withMutableView { triangularSolve(side: .left, part: .lower, lv, $0, variant: variant) }
                    }
                }
                blackHole(x)
            }
        }
    }
    // Householder QR of m×n: 2mn² − 2n³/3 flops (m ≥ n).
    for (m, n) in [(1536, 576), (1024, 1024)] {
        for variant in QRVariant.allCases {
            Benchmark("qr \(variant.rawValue) \(T.dtypeName) \(m)x\(n)") { benchmark in
                let a = Matrix<T>.gaussian(rows: m, cols: n, seed: 4)
                let flops = 2 * Double(m) * Double(n * n) - 2 * Double(n * n * n) / 3
                measureFlops(benchmark, flops: flops) { blackHole(HouseholderQR(a, variant: variant)) }
            }
        }
    }
}
