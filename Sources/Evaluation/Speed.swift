import Foundation
import LinearAlgebraCore
import TransformerRuntime

/// Throughput of a model, measured by ``speed(model:promptTokens:genTokens:parallelism:)``.
public struct SpeedResult: Sendable, Equatable, Codable {
    /// Prompt tokens / seconds of one prefill (all positions through the blocks, logits of the last).
    public var prefillTokensPerSecond: Double
    /// Generated tokens / seconds of single-token steps with the KV cache.
    public var decodeTokensPerSecond: Double
    public var promptTokens: Int
    public var genTokens: Int
    /// Bytes of the float32 weights.
    public var weightBytes: Int
    public var params: Int
    /// Bytes of the KV cache used.
    public var kvCacheBytes: Int
    public var threads: Int
}

/// Times a prefill of `promptTokens` token ids (a fixed pseudo-random sequence, seed 0) and `genTokens` greedy
/// decode steps after it, with `parallelism` threads.
public func speed(model: CausalLM, promptTokens: Int = 512, genTokens: Int = 64,
                  parallelism: Parallelism = .threads(2)) throws -> SpeedResult {
    guard promptTokens > 0, genTokens >= 0 else {
        throw RuntimeError.invalidInput(argument: "promptTokens", reason: "must be positive")
    }
    var m = model
    m.parallelism = parallelism
    var rng = SeededGenerator(seed: 0)
    let prompt = (0..<promptTokens).map { _ in Int(rng.next() % UInt64(m.vocabularySize)) }
    var cache: KVCache? = m.makeCache(capacity: promptTokens + genTokens)
    var t0 = Date()
    var next = Sampler.argmax(try m.lastLogits(tokens: prompt, cache: &cache))
    let prefill = Date().timeIntervalSince(t0)
    t0 = Date()
    for _ in 0..<genTokens {
        next = Sampler.argmax(try m.lastLogits(tokens: [next], cache: &cache))
    }
    let decode = Date().timeIntervalSince(t0)
    return SpeedResult(prefillTokensPerSecond: Double(promptTokens) / prefill,
                       decodeTokensPerSecond: genTokens > 0 ? Double(genTokens) / decode : 0,
                       promptTokens: promptTokens, genTokens: genTokens, weightBytes: m.weightBytes,
                       params: m.parameterCount, kvCacheBytes: cache?.byteCount ?? 0, threads: parallelism.threads)
}
