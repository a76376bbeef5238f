import Benchmark
import SVDLLMKit

/// out × in of the one-token products of a decode step: SmolLM2-135M (q/o, k/v, gate/up, down, lm_head) and
/// Qwen2.5-0.5B (the same roles).
let gemvShapes: [(Int, Int)] = [(576, 576), (192, 576), (1536, 576), (576, 1536), (49152, 576),
                                (896, 896), (128, 896), (4864, 896), (896, 4864), (151936, 896)]

/// One benchmark per storage × shape × variant (the scalar reference at the small shapes only; int8Input for q8
/// and int4) × threads (1 and 2 but for the reference): y = W x with W in f32, f16, bf16, q8 or int4 (random codes on a group-128 grid). W is used in place
/// (cache-warm after the first iteration for the small shapes; `svdllm bench gemv` streams copies that exceed
/// the last-level cache, as a decode step does).
func registerGEMVBenchmarks() {
    for (rows, cols) in gemvShapes {
        for storage in WeightStorage.allCases {
            for variant in WeightMatrix.GEMVVariant.allCases {
                if variant == .reference && rows * cols > 1536 * 576 { continue }
                // int8Input differs from simd only for the integer storages.
                if variant == .int8Input && storage != .q8 && storage != .int4 { continue }
                for threads in variant == .reference ? [1] : [1, 2] {
                    Benchmark("gemv \(variant.rawValue) \(storage.rawValue) \(rows)x\(cols) t\(threads)") { benchmark in
                        let w = sampleWeight(storage, rows: rows, cols: cols)
                        let x = (0..<cols).map { Float($0 % 13) / 13 - 0.5 }
                        var y = [Float](repeating: 0, count: rows)
                        let params = GEMMParams(parallelGEMVFlopThreshold: 0)
                        x.withUnsafeBufferPointer { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                measureFlops(benchmark, flops: 2 * Double(rows * cols)) {
                                    w.gemv(xp.baseAddress!, into: yp.baseAddress!, variant: variant,
                                           parallelism: .threads(threads), params: params)
                                }
                            }
                        }
                        blackHole(y)
                    }
                }
            }
        }
    }
}

/// A seeded rows × cols weight in `storage`; int4 with random codes on a group-128 grid (per row when the
/// width is not a multiple of 128).
func sampleWeight(_ storage: WeightStorage, rows: Int, cols: Int) -> WeightMatrix {
    if storage == .int4 {
        var g = SeededGenerator(seed: 5)
        let gs = cols % 128 == 0 ? 128 : -1, groups = gs < 0 ? 1 : cols / gs
        return .int4(GroupQuantizedMatrix(
            rows: rows, cols: cols, codes: (0..<rows * cols).map { _ in UInt8(g.next() % 16) },
            scales: (0..<rows * groups).map { _ in Float(g.next() % 100 + 1) / 1000 },
            zeros: (0..<rows * groups).map { _ in UInt8(g.next() % 16) }, groupSize: gs))
    }
    return WeightMatrix(Matrix<Float>.uniform(rows: rows, cols: cols, seed: 5), storage: storage)
}
