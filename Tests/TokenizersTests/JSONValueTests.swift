import Testing
@testable import Tokenizers

@Test func jsonKeepsCanonicallyEquivalentKeysApart() throws {
    // "\u0301" and "\u0341" are canonically equivalent: a Swift dictionary would merge them.
    let text = #"{"vocab": {"\u0301": 0, "\u0341": 1, "a\"b\\c\/\n": 2, "😀": 3, "\ud83d\ude00x": 4}, "n": [1, -2.5e1, true, false, null]}"#
    let v = try JSONValue.parse(Array(text.utf8)).get()
    let vocab = try #require(v["vocab"]?.members)
    #expect(vocab.map { Array($0.key.unicodeScalars.map(\.value)) } ==
            [[0x301], [0x341], Array("a\"b\\c/\n".unicodeScalars.map(\.value)), [0x1F600], [0x1F600, 0x78]])
    #expect(vocab.map { $0.value.int } == [0, 1, 2, 3, 4])
    #expect(v["vocab"]?["\u{341}"]?.int == 1)
    #expect(v["n"] == .array([.number(1), .number(-25), .bool(true), .bool(false), .null]))
}

@Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"abc", "[1] x", "{\"a\": tru}", "\"\\q\""])
func jsonRejectsMalformedText(text: String) {
    guard case .failure = JSONValue.parse(Array(text.utf8)) else {
        Issue.record("accepted \(text)")
        return
    }
}
