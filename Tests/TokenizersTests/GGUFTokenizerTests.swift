import Foundation
import Formats
import Testing
@testable import Tokenizers

/// The real models' tokenizers, read from their GGUF metadata, against `transformers`' ids.
@Test(arguments: ["smollm2", "gemma3"])
func realTokenizersMatchHuggingFace(model: String) throws {
    let tok = try (model == "smollm2" ? Fixtures.smolLM2 : Fixtures.gemma3).get()
    let golden = try Fixtures.decode(GoldenFile.self, "\(model)_ids.json")
    for c in golden.cases {
        let ids = tok.encode(c.text, addSpecialTokens: false)
        #expect(ids == c.ids, "\(model) \(c.name): first difference at \(firstDifference(ids, c.ids))")
        #expect(tok.encode(c.text, addSpecialTokens: true) == c.ids_with_special, "\(model) \(c.name)")
        if let d = c.decoded_skip_special {
            #expect(try tok.decode(c.ids, skipSpecialTokens: true) == d, "\(model) \(c.name)")
        }
        if !c.text.contains("\u{2581}") {
            #expect(try tok.decode(ids) == c.text, "\(model) \(c.name) round trip")
        }
    }
}

@Test func smolLM2Description() throws {
    let tok = try Fixtures.smolLM2.get()
    #expect(tok.spec.model == .byteLevelBPE && tok.spec.preTokenizer == .smollm)
    #expect(tok.vocabularySize == 49152 && tok.spec.merges?.count == 48900)
    #expect(tok.spec.bosID == 1 && tok.spec.eosID == 2 && !tok.spec.addBOS)
    #expect(tok.encode("<|im_start|>", parseSpecialTokens: true) == [1])
    #expect(tok.encode("<|im_start|>", parseSpecialTokens: false).count > 1)
    #expect(try tok.decode([1, 4093, 2], skipSpecialTokens: true) == "user")
    #expect(throws: TokenizerError.unknownTokenID(49152)) { try tok.decode([49152]) }
}

@Test func gemma3Description() throws {
    let tok = try Fixtures.gemma3.get()
    #expect(tok.spec.model == .sentencePieceBPE && tok.spec.byteFallback)
    #expect(tok.vocabularySize == 262_144 && tok.spec.merges == nil)
    #expect(tok.spec.bosID == 2 && tok.spec.addBOS && !tok.spec.addEOS)
    #expect(tok.encode("", addSpecialTokens: true) == [2])
    // Byte fallback decodes back, and a lone invalid byte token gives U+FFFD.
    let byte = try #require(tok.id(of: "<0xE2>"))
    #expect(try tok.decode([byte]) == "\u{FFFD}")
}

@Test func ggufMetadataWalkerRejectsBrokenFiles() throws {
    #expect(throws: FormatError.invalid(file: "x", field: "magic", reason: "expected GGUF")) {
        try GGUFTokenizerMetadata(data: Data("GGML\u{3}\0\0\0".utf8), file: "x")
    }
    var header = Data("GGUF".utf8)
    header.append(contentsOf: [3, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0])
    // One key whose name claims 1000 bytes.
    var truncated = header
    truncated.append(contentsOf: [0xE8, 0x03, 0, 0, 0, 0, 0, 0] + Array("tok".utf8))
    #expect(throws: FormatError.self) { try GGUFTokenizerMetadata(data: truncated, file: "x") }
    // A well-formed file with one string key.
    var ok = header
    let key = Array("tokenizer.ggml.model".utf8), value = Array("gpt2".utf8)
    ok.append(contentsOf: withUnsafeBytes(of: UInt64(key.count).littleEndian, Array.init) + key)
    ok.append(contentsOf: withUnsafeBytes(of: UInt32(8).littleEndian, Array.init))
    ok.append(contentsOf: withUnsafeBytes(of: UInt64(value.count).littleEndian, Array.init) + value)
    let m = try GGUFTokenizerMetadata(data: ok, file: "x")
    #expect(try m.string("tokenizer.ggml.model") == "gpt2")
    #expect(throws: FormatError.self) { try m.integer("tokenizer.ggml.model") }
    // …whose description is incomplete.
    #expect(throws: TokenizerError.invalid(source: "x", field: "tokenizer.ggml.tokens", reason: "missing or empty")) {
        try TokenizerDescription(metadata: m)
    }
}

func firstDifference(_ a: [Int], _ b: [Int]) -> String {
    let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    return "\(i): \(a[i..<min(a.count, i + 6)]) vs \(b[i..<min(b.count, i + 6)])"
}

/// Canonically equivalent but distinct spellings keep distinct ids, also through the word cache.
@Test func canonicallyEquivalentTextsStayDistinct() throws {
    let gemma = try Fixtures.gemma3.get()
    let acute = try #require(gemma.id(of: "\u{301}")), tone = try #require(gemma.id(of: "\u{341}"))
    #expect(acute != tone)
    #expect(gemma.encode("\u{301}", addSpecialTokens: false) == [acute])
    #expect(gemma.encode("\u{341}", addSpecialTokens: false) == [tone])
    let smol = try Fixtures.smolLM2.get()
    // "Å" (U+00C5) and the Ångström sign (U+212B) in one text: the cache must not hand one the other's ids.
    let text = "\u{C5} \u{212B} \u{C5} \u{212B}"
    var uncached = smol
    uncached.params.cacheWords = false
    #expect(smol.encode(text) == uncached.encode(text))
    #expect(try smol.decode(smol.encode(text)).unicodeScalars.elementsEqual(text.unicodeScalars))
}
