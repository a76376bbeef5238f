// package-benchmark suites: every kernel variant × the shapes SVD-LLM runs on SmolLM2 (hidden 576, MLP 1536)
// and square sizes. Each reports wall clock and a custom MFLOPS metric (flops / wall time of one iteration).
// Run: `cd Benchmarks && swift package benchmark` (or `--filter 'gemm.*'`).
import Benchmark
import Foundation
import SVDLLMKit

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, mflops],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 50)
    registerGEMMBenchmarks()
    registerSYRKBenchmarks()
    registerFactorizationBenchmarks()
    registerSVDBenchmarks()
    registerGEMVBenchmarks()
}

/// Millions of floating-point operations per second of one iteration.
let mflops = BenchmarkMetric.custom("MFLOPS", polarity: .prefersLarger, useScalingFactor: false)

/// Times `body` once per iteration (after the untimed `setup`) and records its MFLOPS for `flops` operations.
func measureFlops(_ benchmark: Benchmark, flops: Double, setup: () -> Void = {},
                  _ body: () throws -> Void) rethrows {
    for _ in benchmark.scaledIterations {
        setup()
        let start = DispatchTime.now().uptimeNanoseconds
        benchmark.startMeasurement()
        try body()
        benchmark.stopMeasurement()
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start)
        benchmark.measurement(mflops, Int(flops / ns * 1e3))
    }
}
