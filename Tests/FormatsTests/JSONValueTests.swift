import Foundation
import Testing
import Formats

private func parse(_ s: String) throws(JSONValue.ParseError) -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

@Test func jsonParserDetails() throws {
    #expect(try parse(#" {"a": [1, -2, 3.5, 1e2, true, false, null, "x\n\u00e9\ud83d\ude00"]} "#) ==
        .object([("a", .array([.int(1), .int(-2), .double(3.5), .double(100), .bool(true), .bool(false), .null,
                               .string("x\né😀")]))]))
    #expect(try parse("9007199254740993") == .int(9_007_199_254_740_993))
    var deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
    #expect(throws: JSONValue.ParseError.self) { try parse(deep) }
    deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
    #expect(throws: Never.self) { try parse(deep) }
    for s in ["this \"q\" \\ \n\t\u{01} ✓", ""] {
        #expect(try parse(JSONValue.quote(s)) == .string(s))
    }
    // Data and byte buffers parse alike; errors name the byte.
    #expect(try JSONValue.parse(Data("[1]".utf8)) == .array([.int(1)]))
    #expect(throws: JSONValue.ParseError(offset: 4, message: "trailing characters")) { try parse("[1] x") }
}

/// Canonically equivalent keys (U+0301 / U+0341; Gemma's vocabulary has both) are distinct members, not
/// duplicates, and strings keep their exact bytes; byte-identical keys are still duplicates.
@Test func jsonKeepsCanonicallyEquivalentKeysApart() throws {
    let text = #"{"vocab": {"\u0301": 0, "\u0341": 1, "a\"b\\c\/\n": 2, "😀": 3, "\ud83d\ude00x": 4, "\u00c5": 5, "\u212b": 6.0}, "n": [1, -2.5e1, true, false, null]}"#
    let v = try parse(text)
    let vocab = try #require(v["vocab"]?.members)
    #expect(vocab.map { Array($0.key.unicodeScalars.map(\.value)) } ==
            [[0x301], [0x341], Array("a\"b\\c/\n".unicodeScalars.map(\.value)), [0x1F600], [0x1F600, 0x78], [0xC5],
             [0x212B]])
    #expect(vocab.map { $0.value.int } == [0, 1, 2, 3, 4, 5, 6])
    #expect(v["vocab"]?["\u{341}"]?.int == 1 && v["vocab"]?["\u{301}"]?.int == 0)
    #expect(v["vocab"]?["\u{212B}"]?.int == 6)
    #expect(v["n"] == .array([.int(1), .double(-25), .bool(true), .bool(false), .null]))
    #expect(v["n"]?.array?.map(\.double) == [1, -25, nil, nil, nil])
    // Equality is byte-wise too.
    #expect(JSONValue.string("\u{301}") != .string("\u{341}"))
    #expect(JSONValue.object([("\u{C5}", .null)]) != .object([("\u{212B}", .null)]))
    #expect(throws: JSONValue.ParseError.self) { try parse(#"{"\u0301": 0, "\u0301": 1}"#) }
    #expect(throws: JSONValue.ParseError.self) { try parse("{\"\u{301}\": 0, \"\\u0301\": 1}") }
}

@Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"abc", "[1] x", "{\"a\": tru}", "\"\\q\"", "01", "1.", "-",
                  "\"\\ud800\"", "{\"a\": 1, \"a\": 2}", "[\"\u{1}\"]", "1e"])
func jsonRejectsMalformedText(text: String) {
    #expect(throws: JSONValue.ParseError.self) { try parse(text) }
}

/// Invalid UTF-8 inside a string is rejected, not repaired.
@Test func jsonRejectsInvalidUTF8() {
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
}
