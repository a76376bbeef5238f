import Foundation
import Testing
@testable import Tokenizers

/// Golden ids of `whitespace_ids.json` (made by `make_whitespace_fixtures.py` with Hugging Face `tokenizers`).
struct WhitespaceCase: Decodable {
    let name: String
    let text: String
    let ids: [Int]
}

struct WhitespaceFile: Decodable {
    struct Order: Decodable {
        let name: String
        /// The pre-tokenizer JSON text that replaces `"pre_tokenizer": null` in tiny_digits.tokenizer.json.
        let pre_tokenizer: String
        let cases: [WhitespaceCase]
    }
    let smollm2, gemma3, qwen2: [WhitespaceCase]
    let orders: [Order]

    subscript(model: String) -> [WhitespaceCase] {
        ["smollm2": smollm2, "gemma3": gemma3, "qwen2": qwen2][model]!
    }
}

private let preTokenizerParams: [Tokenizer.Params] = PreTokenizerVariant.allCases.flatMap { p in
    [true, false].map { Tokenizer.Params(preTokenizerVariant: p, cacheWords: $0) }
}

private func tokenizer(_ model: String) throws -> Tokenizer {
    switch model {
    case "smollm2": return try Fixtures.smolLM2.get()
    case "gemma3": return try Fixtures.gemma3.get()
    default: return try Tokenizer(TokenizerJSON.description(contentsOf: Fixtures.url("tiny_qwen2.tokenizer.json")))
    }
}

/// Whitespace runs (1–4 spaces, tabs, no-break and em spaces) before digits, punctuation, letters and
/// newlines, at the start and the end of the text, long numbers and a paragraph: SmolLM2, Gemma 3 and the
/// Qwen2-shaped fixture give Hugging Face's ids, through the scanner and the regex reference, cached or not.
@Test(arguments: ["smollm2", "gemma3", "qwen2"])
func whitespaceRunsMatchHuggingFace(model: String) throws {
    let golden = try Fixtures.decode(WhitespaceFile.self, "whitespace_ids.json")[model]
    #expect(golden.count > 90)
    let base = try tokenizer(model)
    for params in preTokenizerParams {
        var tok = base
        if params.preTokenizerVariant != base.params.preTokenizerVariant {
            tok = try Tokenizer(base.spec, params: params)
        }
        tok.params = params
        for c in golden {
            let ids = tok.encode(c.text, addSpecialTokens: false)
            #expect(ids == c.ids, "\(model) \(c.name) \(params): first difference at \(firstDifference(ids, c.ids))")
            #expect(try tok.decode(ids) == c.text, "\(model) \(c.name) round trip")
        }
    }
}

@Test func qwen2FixtureReadsAsTheQwen2Split() throws {
    let spec = try TokenizerJSON.description(contentsOf: Fixtures.url("tiny_qwen2.tokenizer.json"))
    #expect(spec.model == .byteLevelBPE && spec.preTokenizer == .qwen2 && spec.spacePrefix == .none)
    #expect(spec.addedTokens.map(\.content) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
}

/// The issue's text: SmolLM2's own pre-tokenizer isolates digits first, so the two spaces before "96" end
/// their stretch and stay one word, `ĠĠ` — as Hugging Face gives for SmolLM2. `Ġ` `Ġ` `9` is what a digit split
/// after the regex (or Qwen2's regex) gives; each order has its own words.
@Test func issueTextUnderEveryOrder() throws {
    let smol = try Fixtures.smolLM2.get()
    let ids = smol.encode("from  96.1%", addSpecialTokens: false)
    #expect(try ids.map { try smol.token(of: $0) } == ["from", "ĠĠ", "9", "6", ".", "1", "%"])
    let expected: [(PreTokenizer, [String])] = [
        (.smollm, ["from", "  ", "9", "6", ".", "1", "%"]),
        (.gpt2, ["from", " ", " 96", ".", "1", "%"]),
        (.digits(.after, .gpt2), ["from", " ", " ", "9", "6", ".", "1", "%"]),
        (.digits(.afterByteLevel, .gpt2), ["from", " ", " ", "9", "6", ".", "1", "%"]),
        (.digits(.before, .llama3), ["from", "  ", "9", "6", ".", "1", "%"]),
        (.llama3, ["from", " ", " ", "96", ".", "1", "%"]),
        (.qwen2, ["from", " ", " ", "9", "6", ".", "1", "%"]),
        (.digits(.before, .none), ["from  ", "9", "6", ".", "1", "%"]),
    ]
    for (kind, want) in expected {
        for variant in PreTokenizerVariant.allCases {
            #expect(try words("from  96.1%", kind, variant) == want, "\(kind) \(variant)")
        }
    }
}

/// Byte ends of `text` under `kind`.
private func byteEnds(_ text: String, _ kind: PreTokenizer, _ variant: PreTokenizerVariant) throws -> [Int] {
    var ends: [Int] = []
    switch variant {
    case .regex:
        try RegexPreTokenizer(kind).split(text, into: &ends)
    case .scanner:
        var s = text
        var scanner = PreTokenizerScanner()
        s.withUTF8 { scanner.split($0, kind: kind, into: &ends) }
    }
    return ends
}

/// `Digits` after `ByteLevel` sees the byte-level spelling: it cuts out the bytes spelled `0`…`9`, `²` `³` `¹`
/// `¼` `½` `¾`, even inside another character (β = CE B2), and leaves a non-ASCII digit (٣ = D9 A3) whole.
@Test(arguments: PreTokenizerVariant.allCases)
func digitsAfterByteLevelCutBytes(variant: PreTokenizerVariant) throws {
    // "β² ٣7": gpt2 words "β" "²" " ٣7" (² and ٣ are \p{N}); bytes CE B2 | C2 B2 | 20 D9 A3 37.
    #expect(try byteEnds("β² ٣7", .gpt2, variant) == [2, 4, 8])
    #expect(try byteEnds("β² ٣7", .digits(.afterByteLevel, .gpt2), variant) == [1, 2, 3, 4, 7, 8])
    #expect(try byteEnds("β² ٣7", .digits(.after, .gpt2), variant) == [2, 4, 5, 7, 8])
    #expect(try byteEnds("β² ٣7", .smollm, variant) == [2, 4, 5, 7, 8])
    #expect(try byteEnds("a½b", .digits(.afterByteLevel, .none), variant) == [2, 3, 4])
    #expect(try byteEnds("", .digits(.afterByteLevel, .none), variant) == [])
}

/// tiny_digits' vocabulary (with digit and space merges) behind every pre-tokenizer `Sequence` the reader
/// accepts: each is read as the order it is, gives Hugging Face's ids through every code path, and is written
/// back by the tokenizer.json writer as the same split.
@Test func preTokenizerOrdersMatchHuggingFace() throws {
    let golden = try Fixtures.decode(WhitespaceFile.self, "whitespace_ids.json").orders
    let base = try String(contentsOf: Fixtures.url("tiny_digits.tokenizer.json"), encoding: .utf8)
    let expected: [String: PreTokenizer] = [
        "bytelevel_regex": .gpt2, "digits_bytelevel_regex": .smollm,
        "bytelevel_regex_digits": .digits(.afterByteLevel, .gpt2),
        "split_gpt2": .gpt2, "digits_split_gpt2": .smollm, "split_gpt2_digits": .digits(.after, .gpt2),
        "split_llama3": .llama3, "digits_split_llama3": .digits(.before, .llama3),
        "split_llama3_digits": .digits(.after, .llama3),
        "split_qwen2": .qwen2, "split_qwen2_bytelevel_digits": .digits(.afterByteLevel, .qwen2),
        "digits_bytelevel": .digits(.before, .none), "bytelevel_digits": .digits(.afterByteLevel, .none),
        "split_custom_digits": .digits(.after, .regex(#"[0-9]+| ?[a-z]+|\s+"#)),
    ]
    #expect(Set(golden.map(\.name)) == Set(expected.keys))
    let params = BPEMergeVariant.allCases.flatMap { m in
        PreTokenizerVariant.allCases.map { Tokenizer.Params(mergeVariant: m, preTokenizerVariant: $0) }
    }
    for order in golden {
        let json = base.replacingOccurrences(of: #""pre_tokenizer": null"#, with: #""pre_tokenizer": "# + order.pre_tokenizer)
        #expect(json != base)
        let spec = try TokenizerJSON.description(data: Data(json.utf8))
        #expect(spec.preTokenizer == expected[order.name], "\(order.name)")
        for p in params {
            let tok = try Tokenizer(spec, params: p)
            for c in order.cases {
                let ids = tok.encode(c.text, addSpecialTokens: false)
                #expect(ids == c.ids, "\(order.name) \(c.name) \(p): first difference at \(firstDifference(ids, c.ids))")
            }
        }
        let written = try TokenizerJSONWriter.tokenizerJSON(spec)
        #expect(try TokenizerJSON.description(data: Data(written.utf8)).preTokenizer == spec.preTokenizer, "\(order.name)")
    }
}

/// Orders Hugging Face runs differently from anything this toolkit reproduces are refused by name.
@Test func unreproducibleOrdersAreRefused() {
    func read(_ pre: String) throws -> TokenizerDescription {
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": "# + pre + "}"
        return try TokenizerJSON.description(data: Data(json.utf8))
    }
    let byteLevel = #"{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}"#
    let byteLevelRegex = #"{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#
    let prefixed = #"{"type": "ByteLevel", "add_prefix_space": true, "use_regex": false}"#
    let digits = #"{"type": "Digits", "individual_digits": true}"#
    let split = #"{"type": "Split", "pattern": {"Regex": "\\p{N}+"}, "behavior": "Isolated", "invert": false}"#
    let metaspace = #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true}"#
    func seq(_ steps: String...) -> String { #"{"type": "Sequence", "pretokenizers": ["# + steps.joined(separator: ",") + "]}" }
    let cases: [(String, String, String)] = [
        (seq(byteLevelRegex, split), "pre_tokenizer[1]", "two regex splits"),
        (seq(split, byteLevelRegex), "pre_tokenizer[1]", "two regex splits"),
        (seq(byteLevel, split), "pre_tokenizer[1]", "Split after ByteLevel"),
        (seq(digits, digits, byteLevel), "pre_tokenizer[1]", "a second Digits"),
        (seq(metaspace, digits), "pre_tokenizer[1]", "Digits with Metaspace"),
        (seq(digits, prefixed), "pre_tokenizer[1].add_prefix_space", "true after another split"),
        (seq(split, prefixed), "pre_tokenizer[1].add_prefix_space", "true after another split"),
    ]
    for (pre, field, value) in cases {
        #expect(throws: TokenizerError.unsupported(source: "tokenizer.json", field: field, value: value), "\(pre)") {
            try read(pre)
        }
    }
    // A prefix space on a ByteLevel that comes first is the usual GPT-2 setting.
    #expect((try? read(seq(prefixed, digits)))?.spacePrefix == .everySegmentUnlessPresent)
}
