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
        #expect(tok.encode(c.text, addSpecialTokens: false, parseSpecialTokens: false) == c.ids_split_special,
                "\(model) \(c.name) without special-token parsing")
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

/// A GGUF file holding only `metadata` (string and uint32 values), written to a temporary file.
private func metadataOnlyGGUF(_ metadata: [(String, Any)]) throws -> URL {
    var out = Array("GGUF".utf8)
    func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    func put(_ s: String) { put(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
    put(UInt32(3)); put(UInt64(0)); put(UInt64(metadata.count))
    for (key, value) in metadata {
        put(key)
        switch value {
        case let s as String: put(UInt32(8)); put(s)
        case let strings as [String]: put(UInt32(9)); put(UInt32(8)); put(UInt64(strings.count)); strings.forEach(put)
        case let n as UInt32: put(UInt32(4)); put(n)
        default: fatalError("unsupported test value \(value)")
        }
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).gguf")
    try Data(out).write(to: url)
    return url
}

@Test func ggufTokenizerRejectsIncompleteOrMistypedMetadata() throws {
    // A well-formed file with one string key, whose description is incomplete.
    let partial = try metadataOnlyGGUF([("tokenizer.ggml.model", "gpt2")])
    defer { try? FileManager.default.removeItem(at: partial) }
    #expect(throws: TokenizerError.invalid(source: partial.path, field: "tokenizer.ggml.tokens",
                                           reason: "missing or empty")) {
        try TokenizerDescription(gguf: partial)
    }
    // A key of the wrong type names the key.
    let mistyped = try metadataOnlyGGUF([("tokenizer.ggml.model", UInt32(1))])
    defer { try? FileManager.default.removeItem(at: mistyped) }
    #expect(throws: FormatError.invalid(file: mistyped.path, field: "tokenizer.ggml.model",
                                        reason: "expected a string, found uint32")) {
        try TokenizerDescription(gguf: mistyped)
    }
    // Broken files are rejected by the GGUF reader.
    let broken = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).gguf")
    try Data("GGML\u{3}\0\0\0".utf8).write(to: broken)
    defer { try? FileManager.default.removeItem(at: broken) }
    #expect(throws: FormatError.self) { try TokenizerDescription(gguf: broken) }
}

/// Canonically equivalent tokens in GGUF metadata keep their own bytes and ids.
@Test func ggufTokensKeepTheirExactBytes() throws {
    let tokens = ["<unk>", "\u{301}", "\u{341}", "\u{C5}", "\u{212B}", "a", "b"]
    let url = try metadataOnlyGGUF([("tokenizer.ggml.model", "llama"), ("general.architecture", "gemma3"),
                                    ("tokenizer.ggml.tokens", tokens)])
    defer { try? FileManager.default.removeItem(at: url) }
    let spec = try TokenizerDescription(gguf: url)
    #expect(spec.tokens.map { Array($0.utf8) } == tokens.map { Array($0.utf8) })
    let tok = try Tokenizer(spec)
    #expect(tok.id(of: "\u{301}") == 1 && tok.id(of: "\u{341}") == 2)
    #expect(tok.id(of: "\u{C5}") == 3 && tok.id(of: "\u{212B}") == 4)
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

/// All of PTB test (446 KB): the same ids as Hugging Face (count and checksum), and an exact round trip.
@Test(arguments: ["smollm2", "gemma3"])
func wholePTBTestMatchesHuggingFace(model: String) throws {
    let tok = try (model == "smollm2" ? Fixtures.smolLM2 : Fixtures.gemma3).get()
    let whole = try Fixtures.decode(GoldenFile.self, "\(model)_ids.json").whole_ptb_test
    let text = try String(contentsOf: AssetCache.default.root.appendingPathComponent(whole.file), encoding: .utf8)
    let ids = tok.encode(text, addSpecialTokens: false)
    #expect(ids.count == whole.count)
    #expect(idChecksum(ids) == whole.checksum)
    #expect(try tok.decode(ids) == text)
}
