import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

private func expectedSummaries() -> [String: [String: Any]] {
    (try? fixtureJSON("hfconfig/expected.json") as? [String: [String: Any]]) ?? [:]
}

private func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
private func int(_ v: Any?) -> Int? { (v as? NSNumber)?.intValue }

/// Every config.json fixture reads to the values transformers derives from it (Fixtures/hfconfig/expected.json).
@Test(arguments: expectedSummaries().keys.sorted())
func hfConfigMatchesTransformers(file: String) throws {
    let e = try #require(expectedSummaries()[file])
    let c = try ModelConfig(huggingFaceConfig: fixtureURL("hfconfig/" + file))
    #expect(c.vocabSize == int(e["vocab_size"]))
    #expect(c.hiddenSize == int(e["hidden_size"]))
    #expect(c.intermediateSize == int(e["intermediate_size"]))
    #expect(c.layerCount == int(e["num_hidden_layers"]))
    #expect(c.headCount == int(e["num_attention_heads"]))
    #expect(c.kvHeadCount == int(e["num_key_value_heads"]))
    #expect(c.headDim == int(e["head_dim"]))
    #expect(c.normEps == number(e["norm_eps"]))
    #expect(c.contextLength == int(e["max_position_embeddings"]))
    #expect(c.tiedEmbeddings == (e["tie_word_embeddings"] as? Bool))
    #expect(c.bosTokenId == int(e["bos_token_id"]))
    let eos = e["eos_token_id"].flatMap { ($0 as? [Int]) ?? int($0).map { [$0] } } ?? []
    #expect(c.eosTokenIds == eos)
    #expect(c.padTokenId == int(e["pad_token_id"]))
    if c.architecture == .opt {
        #expect(c.ropeTheta == nil && c.normKind == .layerNorm)
    } else {
        #expect(c.ropeTheta == number(e["rope_theta"]))
        if let s = e["rope_scaling"] as? [String: Any] {
            let r = try #require(c.ropeScaling)
            #expect(r.type == s["type"] as? String && r.factor == number(s["factor"]))
            #expect(r.originalContextLength == int(s["original_max_position_embeddings"]))
            #expect(r.lowFreqFactor == number(s["low_freq_factor"]) && r.highFreqFactor == number(s["high_freq_factor"]))
        } else {
            #expect(c.ropeScaling == nil)
        }
    }
    if e.keys.contains("sliding_window") { #expect(c.slidingWindow == int(e["sliding_window"])) }
    if c.architecture == .gemma3 {
        #expect(c.ropeLocalTheta == number(e["rope_local_theta"]))
        #expect(c.slidingWindowPattern == int(e["sliding_window_pattern"]))
        #expect(c.queryPreAttnScalar == number(e["query_pre_attn_scalar"]))
        #expect(c.finalLogitSoftcap == number(e["final_logit_softcapping"]))
        #expect(c.attentionLogitSoftcap == number(e["attn_logit_softcapping"]))
    }
}

/// A config.json holding only model_type gets the same configuration as transformers' full default dump.
@Test(arguments: ["llama", "mistral", "qwen2", "gemma3_text", "opt"])
func hfConfigDefaultsMatchTransformersDefaults(modelType: String) throws {
    let minimal = try ModelConfig(huggingFaceConfig: fixtureURL("hfconfig/\(modelType).minimal.json"))
    let full = try ModelConfig(huggingFaceConfig: fixtureURL("hfconfig/\(modelType).defaults.json"))
    #expect(minimal == full)
}

/// GGUF metadata and the published config.json of the same model agree (ε compared in Float, since GGUF stores
/// it as float32; config.json does not carry add_bos).
@Test(arguments: [("smolLM2", "smollm2-135m-instruct.config.json"), ("gemma3", "gemma-3-270m.config.json")])
func ggufAndHFConfigAgree(model: String, configFile: String) throws {
    let cache = AssetCache.default
    let gguf = try GGUFFile(url: cache.require(model == "smolLM2" ? cache.smolLM2 : cache.gemma3))
    let fromGGUF = try ModelConfig(gguf: gguf)
    var fromHF = try ModelConfig(huggingFaceConfig: fixtureURL("hfconfig/" + configFile))
    #expect(Float(fromHF.normEps) == Float(fromGGUF.normEps))
    fromHF.normEps = fromGGUF.normEps
    fromHF.addBos = fromGGUF.addBos
    #expect(fromHF == fromGGUF)
}

@Test func ggufConfigOfRealModels() throws {
    let cache = AssetCache.default
    let smol = try ModelConfig(gguf: GGUFFile(url: cache.require(cache.smolLM2)))
    #expect(smol.architecture == .llama && smol.addBos == false && smol.tiedEmbeddings)
    #expect(smol.headCount == 9 && smol.kvHeadCount == 3 && smol.headDim == 64)
    let gemma = try ModelConfig(gguf: GGUFFile(url: cache.require(cache.gemma3)))
    #expect(gemma.architecture == .gemma3 && gemma.addBos && gemma.headDim == 256 && gemma.hiddenSize == 640)
    #expect(gemma.isSlidingWindowLayer(0) && !gemma.isSlidingWindowLayer(5) && gemma.isSlidingWindowLayer(6))
    #expect(gemma.attentionScale == 1.0 / 16)
}

private func hfError(_ json: String) -> FormatError? {
    do {
        let c = try HFConfig.decode(Data(json.utf8), file: "config.json")
        _ = try ModelConfig(huggingFace: c, file: "config.json")
        return nil
    } catch {
        return error
    }
}

private func fieldOf(_ e: FormatError?) -> String? {
    switch e {
    case let .invalid(_, field, _)?, let .unsupported(_, field, _)?: return field
    default: return nil
    }
}

@Test func hfConfigValidation() {
    #expect(fieldOf(hfError(#"{"model_type": "llama", "hidden_size": 100, "num_attention_heads": 3}"#)) == "num_attention_heads")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "num_key_value_heads": 5}"#)) == "num_key_value_heads")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "num_hidden_layers": 0}"#)) == "num_hidden_layers")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "intermediate_size": -4}"#)) == "intermediate_size")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "rms_norm_eps": 0}"#)) == "norm_eps")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "rope_theta": -1}"#)) == "rope_theta")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "bos_token_id": 32000}"#)) == "bos_token_id")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "eos_token_id": [2, 99999]}"#)) == "eos_token_id")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "head_dim": 63}"#)) == "head_dim")
    #expect(fieldOf(hfError(#"{"model_type": "bert"}"#)) == "model_type")
    #expect(fieldOf(hfError(#"{"hidden_size": 64}"#)) == "model_type")
    #expect(fieldOf(hfError(#"{"model_type": "llama", "hidden_size": "big"}"#)) == "hidden_size")
    #expect(fieldOf(hfError(#"{"model_type": "gemma3"}"#)) == "text_config")
    #expect(fieldOf(hfError(#"{"model_type": "opt", "do_layer_norm_before": false}"#)) == "do_layer_norm_before")
    #expect(fieldOf(hfError(#"{"model_type": "llama""#)) == "json")
    #expect(hfError(#"{"model_type": "llama", "eos_token_id": null, "bos_token_id": null}"#) == nil)
    #expect(throws: FormatError.self) { try ModelConfig(huggingFaceConfig: URL(fileURLWithPath: "/nonexistent/config.json")) }
}

@Test func hfConfigReadsTokenizerConfigAddBos() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hfcfg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(#"{"model_type": "llama"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
    #expect(try ModelConfig(huggingFaceConfig: dir).addBos == true)
    try Data(#"{"add_bos_token": false}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
    #expect(try ModelConfig(huggingFaceConfig: dir).addBos == false)
}

@Test func ggufConfigErrors() throws {
    func config(_ metadata: [(String, GGUFValue)]) -> FormatError? {
        var w = TestGGUFWriter()
        w.metadata = metadata
        do {
            _ = try ModelConfig(gguf: GGUFFile(url: TestGGUFWriter.temporaryFile(w.build().bytes)))
            return nil
        } catch { return error }
    }
    let base: [(String, GGUFValue)] = [
        ("general.architecture", .string("qwen2")), ("qwen2.embedding_length", .uint32(64)),
        ("qwen2.attention.head_count", .uint32(4)), ("qwen2.attention.head_count_kv", .uint32(2)),
        ("qwen2.feed_forward_length", .uint32(128)), ("qwen2.block_count", .uint32(2)),
        ("qwen2.context_length", .uint32(256)), ("qwen2.vocab_size", .uint32(100)),
        ("qwen2.attention.layer_norm_rms_epsilon", .float32(1e-6)),
    ]
    #expect(config(base) == nil)
    #expect(fieldOf(config(base.filter { $0.0 != "qwen2.block_count" })) == "qwen2.block_count")
    #expect(fieldOf(config(base.map { $0.0 == "general.architecture" ? ($0.0, .string("bert")) : $0 })) == "general.architecture")
    #expect(fieldOf(config(base.map { $0.0 == "qwen2.attention.head_count_kv" ? ($0.0, .uint32(3)) : $0 })) == "num_key_value_heads")
    #expect(fieldOf(config(base.map { $0.0 == "qwen2.embedding_length" ? ($0.0, .string("x")) : $0 })) == "qwen2.embedding_length")
    #expect(fieldOf(config(base.map { $0.0 == "qwen2.attention.layer_norm_rms_epsilon" ? ($0.0, .string("x")) : $0 }))
        == "qwen2.attention.layer_norm_rms_epsilon")
    #expect(fieldOf(config(Array(base.dropFirst()))) == "general.architecture")
}
