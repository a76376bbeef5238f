import Benchmark
import SVDLLMKit

/// k × n of the SYRK C (n × n, lower) += AᵀA: the Gram accumulation of SVD-LLM's profiling on SmolLM2 (a window of
/// 512 tokens of the 576-wide and 1536-wide linear inputs), and four windows at once.
let syrkShapes: [(Int, Int)] = [(512, 576), (512, 1536), (2048, 1536)]

func registerSYRKBenchmarks() {
    registerSYRK(Float.self)
    registerSYRK(Double.self)
    // The Gram entry: Float A widened to Double while packing, Double C.
    registerSYRKCases(dtype: "f32>f64", naive: false) { (a: MatrixView<Float>, c: MutableMatrixView<Double>, v, p) in
        syrk(a, into: c, beta: 1, variant: v, parallelism: p)
    }
}

/// Every variant (the naive reference at the smallest shape only).
func registerSYRK<T: GEMMScalar>(_: T.Type) {
    registerSYRKCases(dtype: T.dtypeName, naive: true) { (a: MatrixView<T>, c: MutableMatrixView<T>, v, p) in
        syrk(a, into: c, beta: 1, variant: v, parallelism: p)
    }
}

/// One benchmark per shape × variant × thread count (1 and 2 for `parallel`) of `run`, which adds AᵀA (A: S, k × n)
/// into C (T, n × n); n²k flops. With `naive`, the naive reference runs at the smallest shape only.
func registerSYRKCases<S: LinalgScalar, T: LinalgScalar>(
    dtype: String, naive: Bool,
    _ run: @escaping (MatrixView<S>, MutableMatrixView<T>, SYRKVariant, Parallelism) -> Void
) {
    for (k, n) in syrkShapes {
        for variant in SYRKVariant.allCases {
            if variant == .naive && (!naive || k * n * n > 512 * 576 * 576) { continue }
            for threads in variant == .parallel ? [1, 2] : [1] {
                Benchmark("syrk \(variant.rawValue) \(dtype) \(k)x\(n) t\(threads)") { benchmark in
                    let a = Matrix<S>.uniform(rows: k, cols: n, seed: 1)
                    var c = Matrix<T>(rows: n, cols: n)
                    a.withView { av in
                        c.withMutableView { cv in
                            measureFlops(benchmark, flops: Double(n * n * k)) {
                                run(av, cv, variant, .threads(threads))
                            }
                        }
                    }
                    blackHole(c)
                }
            }
        }
    }
}
