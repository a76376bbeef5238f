import Foundation
import Testing
@testable import Tokenizers

struct TinyCase: Decodable {
    let name: String
    let text: String
    let ids: [Int]
    let ids_with_special: [Int]
}

private let variants: [Tokenizer.Params] = BPEMergeVariant.allCases.flatMap { m in
    PreTokenizerVariant.allCases.flatMap { p in [true, false].map { Tokenizer.Params(mergeVariant: m, preTokenizerVariant: p, cacheWords: $0) } }
}

@Test(arguments: ["bytelevel", "sentencepiece"])
func tinyTokenizerJSONMatchesHuggingFace(kind: String) throws {
    let spec = try TokenizerJSON.description(contentsOf: Fixtures.url("tiny_\(kind).tokenizer.json"))
    let golden = try Fixtures.decode([String: [TinyCase]].self, "tiny_ids.json")[kind]!
    #expect(spec.model == (kind == "bytelevel" ? .byteLevelBPE : .sentencePieceBPE))
    for params in variants {
        let tok = try Tokenizer(spec, params: params)
        for c in golden {
            #expect(tok.encode(c.text, addSpecialTokens: false) == c.ids, "\(kind) \(c.name) \(params)")
            #expect(tok.encode(c.text, addSpecialTokens: true) == c.ids_with_special, "\(kind) \(c.name) \(params)")
            if kind == "bytelevel" || !c.text.contains("\u{2581}") {
                #expect(try tok.decode(c.ids) == c.text, "\(kind) \(c.name)")
            }
        }
    }
}

@Test func tokenizerJSONDescribesTheTinyFiles() throws {
    let bl = try TokenizerJSON.description(contentsOf: Fixtures.url("tiny_bytelevel.tokenizer.json"))
    #expect(bl.preTokenizer == .smollm)
    #expect(bl.addedTokens.map(\.content) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    #expect(bl.addedTokens.allSatisfy { $0.special })
    #expect(!bl.addBOS && !bl.byteFallback)
    let sp = try TokenizerJSON.description(contentsOf: Fixtures.url("tiny_sentencepiece.tokenizer.json"))
    #expect(sp.spacePrefix == .everySegment && sp.byteFallback && sp.addBOS && sp.bosID == 1 && sp.unknownID == 0)
}

@Test func tokenizerJSONRejectsBadInput() {
    #expect(throws: TokenizerError.self) { try TokenizerJSON.description(data: Data("[1]".utf8)) }
    #expect(throws: TokenizerError.unsupported(source: "tokenizer.json", field: "model.type", value: "Unigram")) {
        try TokenizerJSON.description(data: Data(#"{"model": {"type": "Unigram", "vocab": []}}"#.utf8))
    }
    #expect(throws: TokenizerError.invalid(source: "tokenizer.json", field: "model.vocab", reason: "no token has id 1")) {
        try TokenizerJSON.description(data: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 2}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#.utf8))
    }
    let json = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}, "pre_tokenizer": {"type": "ByteLevel"}}"#
    let spec = try? TokenizerJSON.description(data: Data(json.utf8))
    #expect(spec != nil)
    #expect(throws: TokenizerError.self) { try Tokenizer(spec!) }  // "ab" is not in the vocabulary
}
