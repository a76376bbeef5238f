import Foundation
import Testing
@testable import Tokenizers

struct TinyCase: Decodable {
    let name: String
    let text: String
    let ids: [Int]
    let ids_with_special: [Int]
}

struct TinyIDs: Decodable {
    struct ScoredVocabulary: Decodable {
        let tokens: [String]
        let scores: [Float]
    }
    let scored_vocabulary: ScoredVocabulary
    let bytelevel, sentencepiece, metaspace, scored: [TinyCase]

    subscript(kind: String) -> [TinyCase] {
        ["bytelevel": bytelevel, "sentencepiece": sentencepiece, "metaspace": metaspace, "scored": scored][kind]!
    }
}

private let variants: [Tokenizer.Params] = BPEMergeVariant.allCases.flatMap { m in
    PreTokenizerVariant.allCases.flatMap { p in [true, false].map { Tokenizer.Params(mergeVariant: m, preTokenizerVariant: p, cacheWords: $0) } }
}

@Test(arguments: ["bytelevel", "sentencepiece", "metaspace"])
func tinyTokenizerJSONMatchesHuggingFace(kind: String) throws {
    let spec = try TokenizerJSON.description(contentsOf: Fixtures.url("tiny_\(kind).tokenizer.json"))
    let golden = try Fixtures.decode(TinyIDs.self, "tiny_ids.json")[kind]
    #expect(spec.model == (kind == "bytelevel" ? .byteLevelBPE : .sentencePieceBPE))
    for params in variants {
        let tok = try Tokenizer(spec, params: params)
        for c in golden {
            #expect(tok.encode(c.text, addSpecialTokens: false) == c.ids, "\(kind) \(c.name) \(params)")
            #expect(tok.encode(c.text, addSpecialTokens: true) == c.ids_with_special, "\(kind) \(c.name) \(params)")
            if kind == "bytelevel" || (kind == "sentencepiece" && !c.text.contains("\u{2581}")) {
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

/// A Split with a pattern the scanner does not know runs through the regular-expression pre-tokenizer.
@Test func customSplitPatternUsesTheRegexPreTokenizer() throws {
    // Byte-level vocabulary: a b 1 2 Ġ and the merges a+b, 1+2, Ġ+ab.
    let json = #"""
    {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "1": 2, "2": 3, "Ġ": 4, "ab": 5, "12": 6, "Ġab": 7},
               "merges": ["a b", "1 2", "Ġ ab"]},
     "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "[0-9]| ?[a-z]+"}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}}
    """#
    let spec = try TokenizerJSON.description(data: Data(json.utf8))
    #expect(spec.preTokenizer == .regex("[0-9]| ?[a-z]+"))
    let tok = try Tokenizer(spec)
    // "ab12 ab" → words "ab" "1" "2" " ab": digits are split, so 1+2 never merges.
    #expect(tok.encode("ab12 ab") == [5, 2, 3, 7])
    #expect(try tok.decode([5, 2, 3, 7]) == "ab12 ab")
    // The llama3 pattern is recognised as the named split the scanner runs.
    let llama = json.replacingOccurrences(of: "[0-9]| ?[a-z]+", with: PreTokenizer.llama3Pattern
        .replacingOccurrences(of: "\\", with: "\\\\"))
    #expect(try TokenizerJSON.description(data: Data(llama.utf8)).preTokenizer == .llama3)
}

@Test func spacePrefixRules() throws {
    // SentencePiece vocabulary: ▁ a b and ▁a.
    func tokenizer(_ prefix: TokenizerDescription.SpacePrefix) throws -> Tokenizer {
        try Tokenizer(TokenizerDescription(
            model: .sentencePieceBPE, tokens: ["<s>", "\u{2581}", "a", "b", "\u{2581}a"],
            merges: [.init("\u{2581}", "a")], addedTokens: [.init(id: 0, content: "<s>", special: true)],
            preTokenizer: .none, spacePrefix: prefix))
    }
    #expect(try tokenizer(.none).encode("a<s>a") == [2, 0, 2])
    #expect(try tokenizer(.firstSegment).encode("a<s>a") == [4, 0, 2])
    #expect(try tokenizer(.firstSegment).encode(" a") == [4])
    #expect(try tokenizer(.everySegment).encode(" a<s>a") == [1, 4, 0, 4])
    #expect(try tokenizer(.everySegmentUnlessPresent).encode(" a<s>a") == [4, 0, 4])
    #expect(try tokenizer(.firstSegment).decode([4, 0, 4]) == "a<s> a")
}

/// Merges derived from scores (GGUF `llama` files without merges) rank like transformers' generate_merges,
/// ties included.
@Test(arguments: BPEMergeVariant.allCases)
func scoreDerivedMergesMatchTransformers(variant: BPEMergeVariant) throws {
    let golden = try Fixtures.decode(TinyIDs.self, "tiny_ids.json")
    let v = golden.scored_vocabulary
    let tok = try Tokenizer(TokenizerDescription(
        model: .sentencePieceBPE, tokens: v.tokens, merges: nil, scores: v.scores,
        addedTokens: ["<unk>", "<s>", "</s>"].enumerated().map { .init(id: $0.offset, content: $0.element, special: true) },
        preTokenizer: .none, spacePrefix: .everySegment, byteFallback: true, unknownID: 0),
        params: .init(mergeVariant: variant))
    for c in golden.scored {
        #expect(tok.encode(c.text, addSpecialTokens: false) == c.ids, "\(c.name) \(variant)")
    }
}
