import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// A safetensors file with header `json` (padded to 8) and `data` bytes.
private func file(_ json: String, data: [UInt8] = [UInt8](repeating: 0, count: 64), length: UInt64? = nil) -> [UInt8] {
    var header = Array(json.utf8)
    while (8 + header.count) % 8 != 0 { header.append(0x20) }
    var out = [UInt8]()
    withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + header + data
}

private func openError(_ bytes: [UInt8]) -> FormatError? {
    let url = TestGGUFWriter.temporaryFile(bytes, name: "t.safetensors")
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    do {
        _ = try SafeTensorsFile(url: url)
        return nil
    } catch {
        #expect(error.description.contains(url.path))
        return error
    }
}

private func field(_ e: FormatError?) -> String? {
    switch e {
    case let .invalid(_, f, _)?, let .unsupported(_, f, _)?: return f
    default: return nil
    }
}

private let good = #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#

@Test func safetensorsValidSyntheticFileOpens() throws {
    #expect(openError(file(good)) == nil)
    #expect(openError(file(#"{}"#, data: [])) == nil)
    #expect(openError(file(#"{"__metadata__":{"k":"v"}}"#, data: [])) == nil)
}

@Test func safetensorsHeaderLengthAndTruncation() {
    #expect(field(openError([])) == "header_length")
    #expect(field(openError([1, 2, 3])) == "header_length")
    #expect(field(openError(file(good, length: 10_000))) == "header_length")
    #expect(field(openError(file(good, length: UInt64.max))) == "header_length")
    // Truncated data: the tensors' ranges run past the end.
    let bytes = file(good)
    #expect(field(openError(Array(bytes.dropLast(40)))) == "b.data_offsets")
    // Every truncation of a valid file fails cleanly.
    for n in 0..<(bytes.count - 32) { #expect(openError(Array(bytes.prefix(n))) != nil, "prefix \(n)") }
}

@Test func safetensorsBadJSON() {
    for bad in [#"{"a":"#, #"[1,2]"#, #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x"#, #"{'a':1}"#,
                "{\"a\":\"\u{01}\"}", #"{"a":tru}"#, #"{"a":01}"#, #"{"a":"\ud800"}"#, ""] {
        #expect(field(openError(file(bad))) == "header", "\(bad)")
    }
    // Invalid UTF-8 inside a string.
    var bytes = file(#"{"__metadata__":{"k":"vv"}}"#, data: [])
    bytes[8 + 22] = 0xFF
    #expect(field(openError(bytes)) == "header")
    // Duplicate tensor names.
    let dup = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
    #expect(openError(file(dup))?.description.contains("duplicate key") == true)
    #expect(field(openError(file(#"{"__metadata__":{"k":1}}"#))) == "__metadata__.k")
    #expect(field(openError(file(#"{"__metadata__":[]}"#))) == "__metadata__")
    #expect(field(openError(file(#"{"a":[]}"#))) == "a")
}

@Test func safetensorsBadDtypeAndShape() throws {
    #expect(field(openError(file(#"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#))) == "a.dtype")
    #expect(field(openError(file(#"{"a":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}"#))) == "a.dtype")
    #expect(field(openError(file(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#))) == "a.dtype")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#))) == "a.shape")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#))) == "a.shape")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}"#))) == "a.shape")
    #expect(field(openError(file(#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#)))
        == "a.shape")
    // A known dtype without a Float conversion opens, but tensor() refuses it.
    let url = TestGGUFWriter.temporaryFile(file(#"{"i":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#))
    #expect(throws: FormatError.self) { try SafeTensorsFile(url: url).tensor("i") }
    #expect(throws: FormatError.self) { try SafeTensorsFile(url: url).tensor("missing") }
    #expect(try SafeTensorsFile(url: url).tensorData("i").count == 8)
}

@Test func safetensorsOffsetsMismatch() {
    // Size does not match shape × dtype.
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#))) == "a.data_offsets")
    // Past the end of the data, reversed, negative, malformed.
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[20],"data_offsets":[0,80]}}"#))) == "a.data_offsets")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#))) == "a.data_offsets")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#))) == "a.data_offsets")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#))) == "a.data_offsets")
    #expect(field(openError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#)))
        == "a.data_offsets")
    // Overlapping ranges.
    let overlap = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#
    #expect(openError(file(overlap))?.description.contains("overlaps") == true)
}

@Test func jsonParserDetails() throws {
    func parse(_ s: String) throws -> JSONValue {
        try Array(s.utf8).withUnsafeBytes { (raw) throws(JSONValue.ParseError) in try JSONValue.parse(raw) }
    }
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
}
