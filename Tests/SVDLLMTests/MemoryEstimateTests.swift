import Foundation
import Testing
@testable import SVDLLM
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// The memory estimate follows the run's layout: its terms from the shapes (tiny LLaMA: hidden 64, intermediate
/// 128 — read from the model), what the options change, and the mapped model's advantage over the f32 one.
@Test func memoryEstimateFollowsTheRunsLayout() throws {
    let source = CompressorTests.tiny("llama")
    let f32 = try CausalLM(huggingFaceFolder: source)
    let mapped = try CausalLM(huggingFaceFolder: source, storage: .mapped)
    let options = CompressionOptions(method: .whiten, ratio: 0.4, parallelism: .threads(2))
    let (windows, seqlen, hidden) = (6, 40, f32.hiddenSize)

    let a = MemoryEstimate(model: mapped, options: options, windows: windows, seqlen: seqlen, resident: 1000)
    #expect(a.resident == 1000)
    #expect(a.streams == 2 * windows * seqlen * hidden * 4)
    #expect(a.factors == 0)  // finished layers are read back from the checkpoint
    let block = f32.blocks[0]
    let widened = block.linearNames.reduce(0) { $0 + 4 * block.linear($1).outFeatures * block.linear($1).inFeatures }
    #expect(a.profiling > widened && a.factorization > widened)  // one block is widened to f32
    #expect(a.peak == a.resident + a.streams + a.factors + max(a.profiling, a.factorization, a.writing))

    // The f32 model keeps the factors of every finished layer and widens nothing.
    let b = MemoryEstimate(model: f32, options: options, windows: windows, seqlen: seqlen, resident: 1000)
    let linears = f32.blocks.reduce(0) { t, b in t + b.linearNames.reduce(0) { $0 + 4 * b.linear($1).outFeatures * b.linear($1).inFeatures } }
    #expect(b.factors == Int(0.6 * Double(linears)))
    #expect(b.profiling == a.profiling - widened)

    // The update methods keep two more streams; spilled streams keep two windows per worker.
    var update = options
    update.method = .whitenUpdate
    #expect(MemoryEstimate(model: mapped, options: update, windows: windows, seqlen: seqlen, resident: 0).streams == 2 * a.streams)
    let disk = MemoryEstimate(model: mapped, options: options, windows: windows, seqlen: seqlen, resident: 0,
                              activations: .disk(URL(fileURLWithPath: "/tmp")))
    #expect(disk.streams == 2 * 2 * seqlen * hidden * 4)
    // Measuring the loss keeps the Grams beside the whitening factors.
    #expect(MemoryEstimate(model: mapped, options: options, windows: windows, seqlen: seqlen, resident: 0,
                           measuresLoss: true).factorization > a.factorization)
}
