import Foundation
import LinearAlgebraCore
import TransformerRuntime

/// The outcome of ``perplexity(model:tokens:seqlen:windows:bos:vocabularyBlock:progress:)``.
public struct PerplexityResult: Sendable, Equatable, Codable {
    /// exp(mean NLL) over every scored token.
    public var ppl: Double
    /// Σ −log p(next token), in nats.
    public var nllSum: Double
    public var tokensScored: Int
    public var windows: Int
    public var seqlen: Int
    public var bos: Bool
    /// windows · seqlen / seconds (as transformers' reference script counts).
    public var tokensPerSecond: Double
    public var seconds: Double
}

/// Perplexity in the SVD-LLM paper's protocol: the text's token ids (whole text tokenized once, no special
/// tokens) are cut into consecutive non-overlapping windows of `seqlen`; each window is run from position 0
/// without cache and every next-token prediction inside it is scored:
///
///     PPL = exp( Σ_windows Σ_{t < seqlen−1} −log softmax(logits_t)[x_{t+1}]  /  tokensScored )
///
/// With `bos`, the model's BOS id is put first in every window, which then holds seqlen − 1 text tokens
/// (models whose tokenizer adds BOS, like Gemma 3). `windows` = 0 scores every full window.
/// The output projection and log-softmax are fused (``CausalLM/negativeLogLikelihood(hidden:rows:targets:vocabularyBlock:)``),
/// so memory stays at one window's activations plus seqlen × vocabularyBlock floats of logits.
public func perplexity(model: CausalLM, tokens: [Int], seqlen: Int = 512, windows: Int = 0, bos: Bool = false,
                       vocabularyBlock: Int = 2048,
                       progress: ((_ window: Int, _ windows: Int, _ pplSoFar: Double) -> Void)? = nil)
    throws -> PerplexityResult {
    guard seqlen >= 2 else { throw RuntimeError.invalidInput(argument: "seqlen", reason: "must be ≥ 2, is \(seqlen)") }
    let bosId: Int?
    if bos {
        guard let id = model.config.bosTokenId else {
            throw RuntimeError.invalidInput(argument: "bos", reason: "the model has no BOS token id")
        }
        bosId = id
    } else {
        bosId = nil
    }
    let step = bos ? seqlen - 1 : seqlen
    var count = tokens.count / step
    if windows > 0 { count = Swift.min(count, windows) }
    guard count > 0 else {
        throw RuntimeError.invalidInput(argument: "tokens", reason: "\(tokens.count) tokens make no window of \(step)")
    }
    let start = Date()
    var nll = 0.0, scored = 0
    var cache: KVCache? = model.makeCache(capacity: seqlen)  // reused: every window starts at position 0
    for w in 0..<count {
        let x = (bosId.map { [$0] } ?? []) + tokens[w * step..<(w + 1) * step]
        cache?.reset()
        let hidden = try model.hiddenStates(tokens: x, cache: &cache)
        nll += model.negativeLogLikelihood(hidden: hidden, rows: 0..<seqlen - 1, targets: Array(x[1...]),
                                           vocabularyBlock: vocabularyBlock)
        scored += seqlen - 1
        progress?(w + 1, count, Foundation.exp(nll / Double(scored)))
    }
    let seconds = Date().timeIntervalSince(start)
    return PerplexityResult(ppl: Foundation.exp(nll / Double(scored)), nllSum: nll, tokensScored: scored,
                            windows: count, seqlen: seqlen, bos: bos,
                            tokensPerSecond: Double(count * seqlen) / seconds, seconds: seconds)
}

/// Σᵢ (logsumexp(logitsᵢ) − logitsᵢ[targetᵢ]) for the rows of `logits` (rows × vocab), rows split over threads.
public func negativeLogLikelihood(logits: Matrix<Float>, targets: [Int], parallelism: Parallelism = .serial) -> Double {
    precondition(targets.count == logits.rows)
    let n = logits.cols
    var perRow = [Double](repeating: 0, count: logits.rows)
    logits.elements.withUnsafeBufferPointer { e in
        perRow.withUnsafeMutableBufferPointer { out in
            let base = e.baseAddress!, o = out.baseAddress!
            parallelism.forEachRange(logits.rows) { rows in
                for r in rows {
                    let row = base + r * n
                    o[r] = VectorMath.logSumExp(row, count: n) - Double(row[targets[r]])
                }
            }
        }
    }
    return perRow.reduce(0, +)
}
