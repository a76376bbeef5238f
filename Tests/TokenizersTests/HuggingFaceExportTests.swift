import Foundation
import Formats
import LinearAlgebraCore
import Testing
@testable import Tokenizers

/// A fresh folder under the system temporary directory, removed by the caller.
private func scratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hf-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The first `bytes` bytes (cut at a line end) of PTB test.
private func ptbExcerpt(bytes: Int) throws -> String {
    let text = try String(contentsOf: AssetCache.default.require(AssetCache.default.ptb("test")), encoding: .utf8)
    let prefix = text.utf8.prefix(bytes)
    let end = prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix.index(after: $0) } ?? prefix.endIndex
    return String(decoding: text.utf8[..<end], as: UTF8.self)
}

/// The golden texts of a model's fixture plus a PTB excerpt.
private func sampleTexts(_ model: String) throws -> [String] {
    try Fixtures.decode(GoldenFile.self, "\(model)_ids.json").cases.map(\.text) + [ptbExcerpt(bytes: 60_000)]
}

/// SmolLM2 GGUF → Hugging Face folder (F32) → our own readers: the same config, every tensor bit-equal to
/// `dequantizeHF` under its Hugging Face name, and the written tokenizer.json encodes like the GGUF tokenizer.
/// Also: a non-empty destination is refused without `force`, replaced with it, and no temporary folder is left.
@Test func smolLM2ConvertsToHuggingFaceFolder() throws {
    let ggufURL = try AssetCache.default.require(AssetCache.default.smolLM2)
    let parent = try scratchFolder()
    defer { try? FileManager.default.removeItem(at: parent) }
    let dest = parent.appendingPathComponent("smollm2-hf")
    try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: false)
    try Data("old".utf8).write(to: dest.appendingPathComponent("sentinel"))

    #expect(throws: FormatError.self) { try HuggingFaceExport.convert(gguf: ggufURL, to: dest) }
    #expect(FileManager.default.fileExists(atPath: dest.appendingPathComponent("sentinel").path))

    try HuggingFaceExport.convert(gguf: ggufURL, to: dest, options: .init(dtype: .f32, force: true, parallelism: .threads(2)))
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["smollm2-hf"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dest.path).sorted() == HuggingFaceExport.folderFiles)

    let gguf = try GGUFFile(url: ggufURL)
    let config = try ModelConfig(gguf: gguf)
    var back = try ModelConfig(huggingFaceConfig: dest)
    // ε is written by its shortest f32 spelling (1e-05), which reads back as the nearest Double.
    #expect(Float(back.normEps) == Float(config.normEps))
    back.normEps = config.normEps
    #expect(back == config)

    let folder = try SafeTensorsFolder(directory: dest)
    var expectedNames: [String] = []
    for info in gguf.tensors {
        guard let name = try HuggingFaceExport.tensorName(gguf: info.name, architecture: config.architecture) else { continue }
        expectedNames.append(name)
        let stored = try folder.tensor(name)
        let reference = try gguf.dequantizeHF(info.name, config: config)
        #expect(stored.elements == reference.elements, "\(name)")
        #expect(folder.shape(name) == (info.dims.count == 1 ? [info.cols] : [info.rows, info.cols]), "\(name)")
    }
    #expect(folder.names == expectedNames.sorted())
    #expect(folder.names.contains("model.layers.0.self_attn.q_proj.weight") && !folder.names.contains("lm_head.weight"))

    let fromGGUF = try Fixtures.smolLM2.get()
    let fromJSON = try Tokenizer(tokenizerJSON: dest.appendingPathComponent("tokenizer.json"))
    #expect(fromJSON.spec.tokens == fromGGUF.spec.tokens && fromJSON.spec.merges == fromGGUF.spec.merges)
    for text in try sampleTexts("smollm2") {
        #expect(fromJSON.encode(text) == fromGGUF.encode(text))
        #expect(fromJSON.encode(text, addSpecialTokens: false, parseSpecialTokens: false)
                == fromGGUF.encode(text, addSpecialTokens: false, parseSpecialTokens: false))
    }

    // tokenizer_config.json carries the chat template and the BOS/EOS tokens.
    let tokConfig = try JSONValue.parse(Data(contentsOf: dest.appendingPathComponent("tokenizer_config.json")))
    #expect(tokConfig["chat_template"]?.string == gguf.string("tokenizer.chat_template"))
    #expect(tokConfig["eos_token"]?.string == fromGGUF.spec.tokens[2])
    #expect(tokConfig["add_bos_token"]?.bool == fromGGUF.spec.addBOS)
}

/// Gemma 3's tokenizer (SentencePiece BPE, merges derived from the scores, byte fallback) survives
/// tokenizer.json: the same merges in the same order and the same ids as the GGUF tokenizer.
@Test func gemma3TokenizerJSONRoundTrip() throws {
    let fromGGUF = try Fixtures.gemma3.get()
    let json = try TokenizerJSONWriter.tokenizerJSON(fromGGUF.spec)
    let spec = try TokenizerJSON.description(data: Data(json.utf8))
    #expect(spec.tokens == fromGGUF.spec.tokens)
    #expect(spec.model == .sentencePieceBPE && spec.byteFallback && spec.addBOS == fromGGUF.spec.addBOS)
    #expect(spec.bosID == fromGGUF.spec.bosID && spec.spacePrefix == fromGGUF.spec.spacePrefix)
    #expect(spec.addedTokens.sorted { $0.id < $1.id } == fromGGUF.spec.addedTokens.sorted { $0.id < $1.id })
    let fromJSON = try Tokenizer(spec)
    for text in try sampleTexts("gemma3") {
        #expect(fromJSON.encode(text) == fromGGUF.encode(text))
        #expect(try fromJSON.decode(fromJSON.encode(text, addSpecialTokens: false)) == fromGGUF.decode(fromGGUF.encode(text, addSpecialTokens: false)))
    }
}

/// Gemma 3's config.json reads back as the GGUF configuration; its norm weights are stored as w = (1 + w) − 1
/// and its names follow transformers' Gemma 3 modules.
@Test func gemma3ConfigAndTensorMapping() throws {
    let gguf = try GGUFFile(url: AssetCache.default.require(AssetCache.default.gemma3))
    let config = try ModelConfig(gguf: gguf)
    let text = try HuggingFaceExport.configJSON(config, dtype: .bf16)
    var back = try ModelConfig(huggingFace: HFConfig.decode(Data(text.utf8), file: "config.json"), file: "config.json",
                               addBos: config.addBos)
    #expect(Float(back.normEps) == Float(config.normEps))
    back.normEps = config.normEps
    #expect(back == config)
    let root = try JSONValue.parse(Data(text.utf8))
    #expect(root["model_type"]?.string == "gemma3_text" && root["torch_dtype"]?.string == "bfloat16")
    #expect(root["layer_types"]?.array?.count == config.layerCount)

    let a = HuggingFaceExport.self
    #expect(try a.tensorName(gguf: "blk.3.ffn_norm.weight", architecture: .gemma3) == "model.layers.3.pre_feedforward_layernorm.weight")
    #expect(try a.tensorName(gguf: "blk.3.post_ffw_norm.weight", architecture: .gemma3) == "model.layers.3.post_feedforward_layernorm.weight")
    #expect(try a.tensorName(gguf: "blk.3.post_attention_norm.weight", architecture: .gemma3) == "model.layers.3.post_attention_layernorm.weight")
    #expect(try a.tensorName(gguf: "blk.3.ffn_norm.weight", architecture: .llama) == "model.layers.3.post_attention_layernorm.weight")
    #expect(try a.tensorName(gguf: "blk.0.attn_k_norm.weight", architecture: .gemma3) == "model.layers.0.self_attn.k_norm.weight")
    #expect(throws: FormatError.self) { try a.tensorName(gguf: "blk.0.post_ffw_norm.weight", architecture: .llama) }
    #expect(throws: FormatError.self) { try a.tensorName(gguf: "blk.x.attn_q.weight", architecture: .llama) }
    for info in gguf.tensors {
        _ = try a.tensorName(gguf: info.name, architecture: .gemma3)  // every Gemma 3 tensor has a name
    }

    let stored = try gguf.dequantize("blk.0.attn_norm.weight")
    let exported = try a.tensor(gguf, "blk.0.attn_norm.weight", config: config)
    #expect(zip(stored.elements, exported.elements).allSatisfy { $0 - 1 == $1 })
    let weight = try gguf.dequantize("blk.0.attn_q.weight")
    #expect(try a.tensor(gguf, "blk.0.attn_q.weight", config: config).elements == weight.elements)
}

/// Refusals that happen before anything is written: an unsupported dtype, a destination that is a file.
@Test func convertRefusesBadDestinations() throws {
    let parent = try scratchFolder()
    defer { try? FileManager.default.removeItem(at: parent) }
    let file = parent.appendingPathComponent("plain")
    try Data("x".utf8).write(to: file)
    let gguf = AssetCache.default.smolLM2
    #expect(throws: FormatError.self) { try HuggingFaceExport.convert(gguf: gguf, to: file, options: .init(force: true)) }
    #expect(throws: FormatError.self) {
        try HuggingFaceExport.convert(gguf: gguf, to: parent.appendingPathComponent("out"), options: .init(dtype: .i32))
    }
    #expect(throws: (any Error).self) {
        try HuggingFaceExport.convert(gguf: file, to: parent.appendingPathComponent("out2"))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["plain"])
}
