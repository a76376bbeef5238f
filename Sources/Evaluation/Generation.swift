import Foundation
import TransformerRuntime
import Tokenizers

/// Text produced by ``generate(model:tokenizer:prompt:maxTokens:sampler:stopAtEOS:onToken:)``.
public struct GenerationResult: Sendable, Equatable {
    public var promptTokens: [Int]
    /// The new tokens (without the prompt).
    public var tokens: [Int]
    /// The new tokens decoded.
    public var text: String
    /// Whether generation stopped at an end-of-sequence token.
    public var stoppedAtEOS: Bool
}

/// Continues `promptTokens` by up to `maxTokens` tokens: one prefill, then one cached decode step per token.
/// `onToken` sees each new token as it is produced.
public func generate(model: CausalLM, promptTokens: [Int], maxTokens: Int, sampler: Sampler = .greedy,
                     stopAtEOS: Bool = true, onToken: ((Int) -> Void)? = nil) throws -> (tokens: [Int], stoppedAtEOS: Bool) {
    guard !promptTokens.isEmpty else { throw RuntimeError.invalidInput(argument: "prompt", reason: "empty") }
    var sampler = sampler
    var cache: KVCache? = model.makeCache(capacity: promptTokens.count + maxTokens)
    var out: [Int] = []
    var input = promptTokens
    while out.count < maxTokens {
        // Greedy decoding only needs the argmax: the output layer is swept without holding the logits.
        let next = sampler.isGreedy ? try model.greedyNextToken(tokens: input, cache: &cache)
            : sampler.sample(try model.lastLogits(tokens: input, cache: &cache))
        if stopAtEOS && model.config.eosTokenIds.contains(next) { return (out, true) }
        out.append(next)
        onToken?(next)
        input = [next]
    }
    return (out, false)
}

/// Tokenizes `prompt` (with the tokenizer's special tokens, e.g. Gemma's BOS), generates, and decodes.
public func generate(model: CausalLM, tokenizer: Tokenizer, prompt: String, maxTokens: Int,
                     sampler: Sampler = .greedy, stopAtEOS: Bool = true,
                     onToken: ((Int) -> Void)? = nil) throws -> GenerationResult {
    let ids = tokenizer.encode(prompt, addSpecialTokens: true)
    let (tokens, eos) = try generate(model: model, promptTokens: ids, maxTokens: maxTokens, sampler: sampler,
                                     stopAtEOS: stopAtEOS, onToken: onToken)
    return GenerationResult(promptTokens: ids, tokens: tokens, text: try tokenizer.decode(tokens), stoppedAtEOS: eos)
}
