import Foundation
import Testing
@testable import Tokenizers

/// Words of `text` under `kind`, run by `variant`.
func words(_ text: String, _ kind: PreTokenizer, _ variant: PreTokenizerVariant) throws -> [String] {
    var ends: [Int] = []
    switch variant {
    case .regex:
        try RegexPreTokenizer(kind).split(text, into: &ends)
    case .scanner:
        var s = text
        var scanner = PreTokenizerScanner()
        s.withUTF8 { scanner.split($0, kind: kind, into: &ends) }
    }
    let bytes = Array(text.utf8)
    var out: [String] = []
    var start = 0
    for e in ends {
        out.append(String(decoding: bytes[start..<e], as: UTF8.self))
        start = e
    }
    #expect(start == bytes.count)
    return out
}

@Test(arguments: PreTokenizerVariant.allCases)
func preTokenizersMatchHuggingFaceSplits(variant: PreTokenizerVariant) throws {
    let all = try Fixtures.decode([String: [SplitCase]].self, "pretokenizer_splits.json")
    let kinds: [String: PreTokenizer] = ["gpt2": .gpt2, "smollm": .smollm, "llama3": .llama3, "qwen2": .qwen2]
    #expect(Set(all.keys) == Set(kinds.keys))
    for (name, kind) in kinds {
        for c in all[name] ?? [] {
            let got = try words(c.text, kind, variant)
            #expect(got == c.words, "\(name) / \(c.name) / \(variant)")
        }
    }
}

@Test func metaspaceAndNoneSplits() throws {
    #expect(try words("▁a▁bc▁▁d", .metaspace, .scanner) == ["▁a", "▁bc", "▁", "▁d"])
    #expect(try words("ab▁c", .metaspace, .scanner) == ["ab", "▁c"])
    #expect(try words("▁a b", .none, .scanner) == ["▁a b"])
    #expect(try words("", .gpt2, .scanner) == [])
}

@Test func ggufPreTokenizerNames() {
    #expect(PreTokenizer(ggufName: "smollm") == .smollm)
    #expect(PreTokenizer(ggufName: "gpt2") == .gpt2)
    #expect(PreTokenizer(ggufName: "llama-bpe") == .llama3)
    #expect(PreTokenizer(ggufName: "qwen2") == .qwen2)
    #expect(PreTokenizer(ggufName: "default") == PreTokenizer.none)
    #expect(PreTokenizer(ggufName: "no-such-split") == nil)
    #expect(PreTokenizer(pattern: PreTokenizer.gpt2Pattern) == .gpt2)
    #expect(PreTokenizer(pattern: "x+") == .regex("x+"))
}
