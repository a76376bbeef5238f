import Foundation
import GEMM
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
    /// Bytes of the weights as stored (``CausalLM/weightBytes``).
    public var weightBytes: Int
    /// Bytes one decode step reads from the weights (``CausalLM/decodeReadBytes``): every linear and the output
    /// once, one embedding row.
    public var decodeReadBytes: Int
    public var params: Int
    /// Bytes of the KV cache used.
    public var kvCacheBytes: Int
    public var threads: Int
    /// Bytes/s of a streaming read of every weight with the same threads (``weightReadBandwidth(model:parallelism:passes:)``).
    public var weightReadBytesPerSecond: Double
    /// The decode speed if a step cost only reading its weights once: bandwidth / decode read bytes.
    public var decodeBoundTokensPerSecond: Double { weightReadBytesPerSecond / Double(decodeReadBytes) }
    /// The fraction of that bound reached.
    public var decodeBoundFraction: Double { decodeTokensPerSecond / decodeBoundTokensPerSecond }
}

/// Times a prefill of `promptTokens` token ids (a fixed pseudo-random sequence, seed 0) and `genTokens` greedy
/// decode steps after it, with `parallelism` threads; then the weights' streaming-read bandwidth, the bound of a
/// decode step (batch 1 reads every weight once per token).
public func speed(model: CausalLM, promptTokens: Int = 512, genTokens: Int = 64,
                  parallelism: Parallelism = .threads(2)) throws -> SpeedResult {
    guard promptTokens > 0 else { throw RuntimeError.invalidInput(argument: "promptTokens", reason: "must be positive") }
    guard genTokens >= 0 else { throw RuntimeError.invalidInput(argument: "genTokens", reason: "must be ≥ 0") }
    var m = model
    m.parallelism = parallelism
    var rng = SeededGenerator(seed: 0)
    let prompt = (0..<promptTokens).map { _ in Int(rng.next() % UInt64(m.vocabularySize)) }
    var cache: KVCache? = m.makeCache(capacity: promptTokens + genTokens)
    var t0 = Date()
    var next = try m.greedyNextToken(tokens: prompt, cache: &cache)
    let prefill = Date().timeIntervalSince(t0)
    t0 = Date()
    for _ in 0..<genTokens {
        next = try m.greedyNextToken(tokens: [next], cache: &cache)
    }
    let decode = Date().timeIntervalSince(t0)
    return SpeedResult(prefillTokensPerSecond: Double(promptTokens) / prefill,
                       decodeTokensPerSecond: genTokens > 0 ? Double(genTokens) / decode : 0,
                       promptTokens: promptTokens, genTokens: genTokens, weightBytes: m.weightBytes,
                       decodeReadBytes: m.decodeReadBytes,
                       params: m.parameterCount, kvCacheBytes: cache?.byteCount ?? 0, threads: parallelism.threads,
                       weightReadBytesPerSecond: weightReadBandwidth(model: m, parallelism: parallelism))
}

/// Bytes/s of reading every stored weight buffer of `model` once (the tied output counted once), best of `passes`:
/// each worker sums its share of every buffer with SIMD loads, so the pass is a pure stream from memory.
public func weightReadBandwidth(model: CausalLM, parallelism: Parallelism, passes: Int = 3) -> Double {
    var matrices = [model.embedding] + model.blocks.flatMap { b in
        b.linearNames.flatMap { n -> [WeightMatrix] in
            let (u, v) = b.linear(n).factors
            return [u] + (v.map { [$0] } ?? [])
        }
    }
    if !model.outputTied {
        let (u, v) = model.output.factors
        matrices += [u] + (v.map { [$0] } ?? [])
    }
    if let p = model.positionEmbedding { matrices.append(.f32(p)) }
    var bytes = 0
    for m in matrices { m.withStoredBuffers { bytes += $0.count / 4 * 4 } }
    let workers = parallelism.threads
    var best = Double.infinity
    var sink = [Float](repeating: 0, count: workers)  // each worker's sum: the reads have a visible result
    for _ in 0..<Swift.max(1, passes) {
        let start = Date()
        sink.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            parallelism.forEach(workers) { w in
                var total: Float = 0
                for m in matrices {
                    m.withStoredBuffers { e in
                        let n = e.count / 4, lo = w * n / workers, hi = (w + 1) * n / workers
                        guard hi > lo else { return }
                        total += streamSum(e.baseAddress!.assumingMemoryBound(to: Float.self) + lo, count: hi - lo)
                    }
                }
                o[w] = total
            }
        }
        best = Swift.min(best, Date().timeIntervalSince(start))
    }
    return Double(bytes) / best
}

/// Σ p[i] with four independent vector accumulators (a read-bandwidth probe, not an accurate sum).
@inline(never)
func streamSum(_ p: UnsafePointer<Float>, count n: Int) -> Float {
    typealias V = SIMD8<Float>
    var a0 = V.zero, a1 = V.zero, a2 = V.zero, a3 = V.zero
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 32 <= n {
        a0 += raw.loadUnaligned(fromByteOffset: 4 * i, as: V.self)
        a1 += raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: V.self)
        a2 += raw.loadUnaligned(fromByteOffset: 4 * (i + 16), as: V.self)
        a3 += raw.loadUnaligned(fromByteOffset: 4 * (i + 24), as: V.self)
        i += 32
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { s += p[i]; i += 1 }
    return s
}
