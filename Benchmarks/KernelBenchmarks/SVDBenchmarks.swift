import Benchmark
import SVDLLMKit

/// The shapes of SmolLM2's linear layers (576 hidden, 1536 MLP) and a square one.
let svdShapes: [(Int, Int)] = [(576, 576), (576, 1536), (1536, 576), (1024, 1024)]

func registerSVDBenchmarks() {
    registerSVD(Float.self)
    registerSVD(Double.self)
}

func registerSVD<T: GEMMScalar>(_: T.Type) {
    for (m, n) in svdShapes {
        for variant in SVDVariant.allCases {
            let k = min(m, n) / 4
            let name = "svd \(variant.rawValue) \(T.dtypeName) \(m)x\(n)" + (variant.isRandomized ? " k\(k)" : "")
            Benchmark(name, configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5),
                                                 maxIterations: 10)) { benchmark in
                // A Gaussian matrix with column j scaled by 1/(1 + j/8): a decaying spectrum.
                var a = Matrix<T>.gaussian(rows: m, cols: n, seed: 6)
                for i in 0..<m { for j in 0..<n { a[i, j] *= T(1 / (1 + Double(j) / 8)) } }
                let options = SVDOptions(algorithm: variant.algorithm(rank: k, seed: 7))
                for _ in benchmark.scaledIterations {
                    blackHole(try SVD(a, options: options))
                }
            }
        }
    }
}
