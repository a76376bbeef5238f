import Benchmark
import SVDLLMKit

/// m × k × n: squares, then the transformer shapes (tokens × in → out) and a decode GEMV.
let gemmShapes: [(Int, Int, Int)] = [
    (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
    (512, 576, 1536), (512, 1536, 576), (512, 576, 192), (512, 192, 576), (1, 576, 1536),
]

func registerGEMMBenchmarks() {
    registerGEMM(Float.self)
    registerGEMM(Double.self)
}

func registerGEMM<T: GEMMScalar>(_: T.Type) {
    for (m, k, n) in gemmShapes {
        for variant in GEMMVariant.allCases {
            if variant == .naive && m * k * n > 512 * 576 * 192 { continue }
            for threads in variant == .parallel ? [1, 2] : [1] {
                let name = "gemm \(variant.rawValue) \(T.dtypeName) \(m)x\(k)x\(n) t\(threads)"
                Benchmark(name) { benchmark in
                    let a = Matrix<T>.uniform(rows: m, cols: k, seed: 1)
                    let b = Matrix<T>.uniform(rows: k, cols: n, seed: 2)
                    var c = Matrix<T>(rows: m, cols: n)
                    a.withView { av in
                        b.withView { bv in
                            c.withMutableView { cv in
                                measureFlops(benchmark, flops: 2 * Double(m * k * n)) {
                                    gemm(.none, av, .none, bv, into: cv, variant: variant,
                                         parallelism: .threads(threads))
                                }
                            }
                        }
                    }
                    blackHole(c)
                }
            }
        }
    }
}
