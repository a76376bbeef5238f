import Foundation
import Testing
@testable import svdllm
import SVDLLMKit

/// `svdllm bench syrk`: one record per variant and shape, k×n shapes, n²k flops, and `--widen` (Float A, Double C)
/// reported as dtype "f32>f64".
@Test func syrkBenchRecordsEveryVariant() throws {
    var plan = KernelBenchPlan(kernel: .syrk, shapes: "9x13", threads: 2, repeats: 1)
    let plain = try KernelBench<Float>(options: plan).run()
    #expect(plain.map(\.variant) == SYRKVariant.allCases.map(\.rawValue))
    #expect(plain.allSatisfy { $0.kernel == "syrk" && $0.shape == [9, 13] && $0.dtype == "f32" && ($0.gflops ?? -1) >= 0 })
    plan.widen = true
    let widened = try KernelBench<Double>(options: plan).run()
    #expect(widened.count == SYRKVariant.allCases.count && widened.allSatisfy { $0.dtype == "f32>f64" })
    #expect(throws: CLIError.self) { try KernelBench<Float>(options: plan).run() }
    #expect(throws: (any Error).self) { try BenchCommand.parse(["syrk", "--widen"]).validate() }
}
