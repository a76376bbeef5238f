import Foundation
import LinearAlgebraCore
import Testing
@testable import Evaluation
@testable import Formats
@testable import TransformerRuntime
import Tokenizers

struct EvalFixture {
    let ids: [Int]
    let bos: Bool
    let ppl: Double
    let windows: Int
    let tokensScored: Int
    let promptIds: [Int]
    let prompt: String
    let generated: [Int]

    init(_ name: String) throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)_eval.json")
        let fx = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        ids = fx["ids"] as! [Int]
        bos = fx["bos"] as! Bool
        let p = fx["ppl"] as! [String: Any]
        ppl = (p["ppl"] as! NSNumber).doubleValue
        windows = p["windows"] as! Int
        tokensScored = p["tokens_scored"] as! Int
        let g = fx["greedy"] as! [String: Any]
        prompt = g["prompt"] as! String
        promptIds = g["prompt_ids"] as! [Int]
        generated = g["generated"] as! [Int]
    }
}

func modelURL(_ name: String) throws -> URL {
    let cache = AssetCache.default
    return try cache.require(name == "smollm2" ? cache.smolLM2 : cache.gemma3)
}

/// Perplexity of the first PTB-test windows (transformers' token ids) within 0.1 % of transformers fp32.
@Test(arguments: ["smollm2", "gemma3"])
func perplexityMatchesTransformers(name: String) throws {
    let fx = try EvalFixture(name)
    let model = try CausalLM(ggufURL: modelURL(name), parallelism: .threads(2))
    var seen = 0
    let r = try perplexity(model: model, tokens: fx.ids, seqlen: 512, windows: fx.windows, bos: fx.bos) { w, n, p in
        seen = w
        #expect(n == fx.windows && p.isFinite)
    }
    print("\(name) PTB test, \(r.windows) windows: ppl \(r.ppl) (transformers \(fx.ppl)), \(Int(r.tokensPerSecond)) tok/s")
    #expect(seen == fx.windows && r.windows == fx.windows && r.tokensScored == fx.tokensScored)
    #expect(abs(r.ppl / fx.ppl - 1) < 1e-3)
}

/// The first 32 greedy tokens of a fixed prompt equal transformers' (cached decoding), and our tokenizer
/// encodes the prompt as transformers does.
@Test(arguments: ["smollm2", "gemma3"])
func greedyGenerationMatchesTransformers(name: String) throws {
    let fx = try EvalFixture(name)
    let url = try modelURL(name)
    let model = try CausalLM(ggufURL: url, parallelism: .threads(2))
    let tokenizer = try Tokenizer(TokenizerDescription(gguf: url))
    let r = try generate(model: model, tokenizer: tokenizer, prompt: fx.prompt, maxTokens: 32, stopAtEOS: false)
    #expect(r.promptTokens == fx.promptIds)
    let (tokens, _) = try generate(model: model, promptTokens: fx.promptIds, maxTokens: 32, stopAtEOS: false)
    #expect(tokens == fx.generated)
    #expect(r.text == (try tokenizer.decode(fx.generated)))
    print("\(name) greedy: \(fx.prompt)|\(r.text)")
}

/// Our tokenizer reproduces transformers' ids of the whole PTB test text (the fixture holds its first windows).
@Test(arguments: ["smollm2", "gemma3"])
func ptbTokenizationMatchesTransformers(name: String) throws {
    let fx = try EvalFixture(name)
    let tokenizer = try Tokenizer(TokenizerDescription(gguf: modelURL(name)))
    let text = try String(contentsOf: AssetCache.default.require(AssetCache.default.ptb("test")), encoding: .utf8)
    let ids = tokenizer.encode(text, addSpecialTokens: false)
    #expect(Array(ids.prefix(fx.ids.count)) == fx.ids)
}

/// Speed of prefill and cached decode (reported, and sanity-checked: decode must use the cache, so one step is
/// much cheaper than a prefill of the whole context).
@Test func speedReport() throws {
    let model = try CausalLM(ggufURL: modelURL("smollm2"), parallelism: .threads(2))
    #if DEBUG
    let (prompt, gen) = (16, 4)
    #else
    let (prompt, gen) = (512, 32)
    #endif
    let s = try speed(model: model, promptTokens: prompt, genTokens: gen, parallelism: .threads(2))
    print(String(format: "SmolLM2 speed (2 threads): prefill %d tokens %.1f tok/s, decode %.1f tok/s, %d params, %.1f MB weights, KV cache %.1f MB",
                 prompt, s.prefillTokensPerSecond, s.decodeTokensPerSecond, s.params, Double(s.weightBytes) / 1e6,
                 Double(s.kvCacheBytes) / 1e6))
    #expect(s.params > 134_000_000 && s.params < 135_000_000)
    #expect(s.decodeTokensPerSecond > 0 && s.prefillTokensPerSecond > 0)
}

/// `--weights mapped`: the GGUF's own blocks (Q4_1 / Q4_K / Q6_K …) read in place and widened as each product
/// needs them give the logits of the model widened to f32 at load, bit for bit — prefill and cached decode,
/// llama q/k rows un-permuted one at a time.
@Test(arguments: ["smollm2", "gemma3"])
func mappedWeightsGiveTheF32Logits(name: String) throws {
    let fx = try EvalFixture(name)
    let url = try modelURL(name)
    let f32 = try CausalLM(ggufURL: url, parallelism: .threads(2))
    let mapped = try CausalLM(ggufURL: url, parallelism: .threads(2), storage: .mapped)
    #expect(mapped.storageDescription == "mapped")
    let tokens = Array(fx.ids.prefix(24))
    var c1: KVCache? = nil, c2: KVCache? = nil
    #expect(try f32.forward(tokens: tokens, cache: &c1) == mapped.forward(tokens: tokens, cache: &c2))
    #expect(try f32.forward(tokens: [tokens[3]], cache: &c1) == mapped.forward(tokens: [tokens[3]], cache: &c2))
}
