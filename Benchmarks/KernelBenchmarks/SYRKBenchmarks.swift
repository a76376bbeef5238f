import Benchmark
import SVDLLMKit

/// k × n of the SYRK C (n × n, lower) += AᵀA: the Gram accumulation of SVD-LLM's profiling on SmolLM2 (a window of
/// 512 tokens of the 576-wide and 1536-wide linear inputs), and four windows at once.
let syrkShapes: [(Int, Int)] = [(512, 576), (512, 1536), (2048, 1536)]

func registerSYRKBenchmarks() {
    registerSYRK(Float.self)
    registerSYRK(Double.self)
    registerWideningSYRK()
}

/// Every variant (the naive reference at the smallest shape only); n²k flops.
func registerSYRK<T: GEMMScalar>(_: T.Type) {
    for (k, n) in syrkShapes {
        for variant in SYRKVariant.allCases {
            if variant == .naive && k * n * n > 512 * 576 * 576 { continue }
            for threads in variant == .parallel ? [1, 2] : [1] {
                Benchmark("syrk \(variant.rawValue) \(T.dtypeName) \(k)x\(n) t\(threads)") { benchmark in
                    let a = Matrix<T>.uniform(rows: k, cols: n, seed: 1)
                    var c = Matrix<T>(rows: n, cols: n)
                    a.withView { av in
                        c.withMutableView { cv in
                            measureFlops(benchmark, flops: Double(n * n * k)) {
                                syrk(av, into: cv, beta: 1, variant: variant, parallelism: .threads(threads))
                            }
                        }
                    }
                    blackHole(c)
                }
            }
        }
    }
}

/// The Gram entry: Float A widened to Double while packing, Double C.
func registerWideningSYRK() {
    for (k, n) in syrkShapes {
        for variant in SYRKVariant.allCases where variant != .naive {
            for threads in variant == .parallel ? [1, 2] : [1] {
                Benchmark("syrk \(variant.rawValue) f32>f64 \(k)x\(n) t\(threads)") { benchmark in
                    let a = Matrix<Float>.uniform(rows: k, cols: n, seed: 1)
                    var c = Matrix<Double>(rows: n, cols: n)
                    a.withView { av in
                        c.withMutableView { cv in
                            measureFlops(benchmark, flops: Double(n * n * k)) {
                                syrk(av, into: cv, beta: 1, variant: variant, parallelism: .threads(threads))
                            }
                        }
                    }
                    blackHole(c)
                }
            }
        }
    }
}
