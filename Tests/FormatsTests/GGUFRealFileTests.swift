import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

private func model(_ name: String) throws -> GGUFFile {
    let cache = AssetCache.default
    return try GGUFFile(url: cache.require(name == "smolLM2" ? cache.smolLM2 : cache.gemma3))
}

/// A metadata value against its gguf-py JSON form.
private func matches(_ value: GGUFValue, _ json: [String: Any]) -> Bool {
    let type = json["type"] as! String
    if type == "array" {
        guard case let .array(elementType, values) = value, values.count == json["count"] as! Int else { return false }
        if let et = json["element_type"] as? String, ggufPyName(elementType) != et { return false }
        let pick: [(GGUFValue, Any)]
        if let all = json["values"] as? [Any] {
            pick = Array(zip(values, all))
        } else {
            let head = json["head"] as! [Any], tail = json["tail"] as! [Any]
            pick = Array(zip(values.prefix(head.count), head)) + Array(zip(values.suffix(tail.count), tail))
        }
        return pick.allSatisfy { scalarMatches($0.0, $0.1) }
    }
    return ggufPyName(value.type) == type && scalarMatches(value, json["value"]!)
}

private func ggufPyName(_ t: GGUFValueType) -> String {
    switch t {
    case .uint8: return "UINT8"
    case .int8: return "INT8"
    case .uint16: return "UINT16"
    case .int16: return "INT16"
    case .uint32: return "UINT32"
    case .int32: return "INT32"
    case .uint64: return "UINT64"
    case .int64: return "INT64"
    case .float32: return "FLOAT32"
    case .float64: return "FLOAT64"
    case .bool: return "BOOL"
    case .string: return "STRING"
    case .array: return "ARRAY"
    }
}

private func scalarMatches(_ v: GGUFValue, _ json: Any) -> Bool {
    switch v {
    case let .string(s): return s == json as? String
    case let .bool(b): return (json as? NSNumber)?.boolValue == b
    case let .float32(f): return (json as? NSNumber).map { Float($0.doubleValue) == f } ?? false
    case let .float64(d): return (json as? NSNumber)?.doubleValue == d
    default: return (json as? NSNumber)?.int64Value == v.int.map(Int64.init)
    }
}

/// Metadata and the tensor table read here equal what gguf-py reads (Fixtures/gguf/*_metadata.json).
@Test(arguments: ["smolLM2", "gemma3"])
func ggufRealFileMetadataMatchesGGUFPy(name: String) throws {
    let file = try model(name)
    let json = try #require(try fixtureJSON("gguf/\(name)_metadata.json") as? [String: Any])
    #expect(file.version == json["version"] as? Int)
    #expect(file.dataOffset == json["data_offset"] as? Int)
    let meta = try #require(json["metadata"] as? [String: [String: Any]])
    #expect(Set(file.metadata.keys) == Set(meta.keys))
    for (key, expected) in meta {
        let v = try #require(file.metadata[key])
        #expect(matches(v, expected), "\(key)")
    }
    let tensors = try #require(json["tensors"] as? [[String: Any]])
    #expect(file.tensors.count == tensors.count)
    for (t, e) in zip(file.tensors, tensors) {
        #expect(t.name == e["name"] as? String)
        #expect(t.dims == e["dims"] as? [Int], "\(t.name)")
        #expect(t.type.description == e["type"] as? String, "\(t.name)")
        #expect(t.offset == e["offset"] as? Int, "\(t.name)")
    }
}

/// The first rows of real tensors of every type in both models decode exactly as gguf-py decodes them.
@Test func ggufRealTensorsMatchGGUFPy() throws {
    let manifest = try #require(try fixtureJSON("gguf/manifest.json") as? [String: Any])
    let entries = try #require(manifest["real"] as? [[String: Any]])
    var types = Set<String>()
    for e in entries {
        let file = try model(e["model"] as! String)
        let name = e["tensor"] as! String, rows = e["rows"] as! Int
        let info = try #require(file.tensorInfo(name))
        #expect(info.type.description == e["type"] as? String)
        #expect(info.cols == e["cols"] as? Int)
        let expected = try fixtureFloats("gguf/" + (e["expected"] as! String))
        for v in DequantizeVariant.allCases {
            let m = try file.dequantizeRows(name, rows: 0..<rows, variant: v)
            #expect(bitIdentical(m.elements, expected), "\(name) \(v)")
        }
        types.insert(info.type.description)
    }
    #expect(types == ["F32", "Q8_0", "Q4_1", "Q5_0", "Q4_K", "Q6_K"])
}
