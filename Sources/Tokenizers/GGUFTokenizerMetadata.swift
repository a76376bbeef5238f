import Foundation
import Formats

/// The `tokenizer.ggml.*` keys (and `general.architecture`) of a GGUF file, read by a minimal metadata walker.
///
/// This is a stop-gap, internal to the tokenizer: it walks the GGUF header and key/value section only
/// (never tensors), bounds-checking every read and throwing `FormatError` on anything malformed, and keeps
/// just the keys a tokenizer needs. When the Formats module's full GGUF reader lands, `init(contentsOf:)`
/// should be rebuilt on it and this walker deleted; `TokenizerDescription(gguf:)` will not change.
///
/// Layout (little-endian, versions 2 and 3): `"GGUF"`, u32 version, u64 tensor count, u64 key count, then per
/// key: string name, u32 type, value. A string is u64 length + UTF-8 bytes; an array is u32 element type +
/// u64 count + elements. Scalar types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 10 u64, 11 i64,
/// 12 f64; 8 string; 9 array.
struct GGUFTokenizerMetadata {
    /// A kept value.
    enum Value {
        case integer(Int64)
        case real(Double)
        case bool(Bool)
        case string(String)
        case strings([String])
        case reals([Float])
        case integers([Int64])
    }

    let file: String
    var values: [String: Value]

    init(file: String, values: [String: Value]) {
        self.file = file
        self.values = values
    }

    /// Reads the metadata of the GGUF file at `url`.
    init(contentsOf url: URL) throws(FormatError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, file: url.path)
    }

    init(data: Data, file: String) throws(FormatError) {
        self.file = file
        let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<[String: Value], FormatError> in
            do throws(FormatError) {
                return .success(try Self.walk(raw, file: file))
            } catch {
                return .failure(error)
            }
        }
        values = try result.get()
    }

    /// Walks header and key/values, keeping the tokenizer keys.
    private static func walk(_ raw: UnsafeRawBufferPointer, file: String) throws(FormatError) -> [String: Value] {
        var kept: [String: Value] = [:]
        do {
            var cursor = Cursor(bytes: raw, file: file)
            let magic = try cursor.fixed(UInt32.self, field: "magic")
            guard magic == 0x4655_4747 else {  // "GGUF" read little-endian
                throw .invalid(file: file, field: "magic", reason: "expected GGUF")
            }
            let version = try cursor.fixed(UInt32.self, field: "version")
            guard version == 2 || version == 3 else {
                throw .unsupported(file: file, field: "version", value: String(version))
            }
            _ = try cursor.fixed(UInt64.self, field: "tensor_count")
            let keyCount = try cursor.fixed(UInt64.self, field: "kv_count")
            for _ in 0..<keyCount {
                let key = try cursor.string(field: "metadata key")
                let type = try cursor.fixed(UInt32.self, field: key)
                let keep = key.hasPrefix("tokenizer.ggml.") || key == "general.architecture"
                if let value = try cursor.value(type: type, field: key, keep: keep) {
                    kept[key] = value
                }
            }
        }
        return kept
    }

    // MARK: Typed access

    func string(_ key: String) throws(FormatError) -> String? {
        guard let v = values[key] else { return nil }
        guard case let .string(s) = v else { throw .invalid(file: file, field: key, reason: "expected a string") }
        return s
    }

    func integer(_ key: String) throws(FormatError) -> Int? {
        guard let v = values[key] else { return nil }
        guard case let .integer(i) = v else { throw .invalid(file: file, field: key, reason: "expected an integer") }
        return Int(i)
    }

    func bool(_ key: String) throws(FormatError) -> Bool? {
        guard let v = values[key] else { return nil }
        guard case let .bool(b) = v else { throw .invalid(file: file, field: key, reason: "expected a bool") }
        return b
    }

    func strings(_ key: String) throws(FormatError) -> [String]? {
        guard let v = values[key] else { return nil }
        guard case let .strings(s) = v else {
            throw .invalid(file: file, field: key, reason: "expected an array of strings")
        }
        return s
    }

    func reals(_ key: String) throws(FormatError) -> [Float]? {
        guard let v = values[key] else { return nil }
        switch v {
        case let .reals(r): return r
        case let .integers(i): return i.map { Float($0) }
        default: throw .invalid(file: file, field: key, reason: "expected an array of numbers")
        }
    }

    func integers(_ key: String) throws(FormatError) -> [Int64]? {
        guard let v = values[key] else { return nil }
        guard case let .integers(i) = v else {
            throw .invalid(file: file, field: key, reason: "expected an array of integers")
        }
        return i
    }
}

/// A bounds-checked little-endian reader over the mapped file.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func need(_ n: Int, field: String) throws(FormatError) {
        guard n >= 0, n <= bytes.count - offset else {
            throw .invalid(file: file, field: field, reason: "truncated at byte \(offset) (needs \(n) more)")
        }
    }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type, field: String) throws(FormatError) -> T {
        try need(MemoryLayout<T>.size, field: field)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func count(field: String) throws(FormatError) -> Int {
        let n = try fixed(UInt64.self, field: field)
        guard n <= UInt64(bytes.count - offset) else {
            throw .invalid(file: file, field: field, reason: "length \(n) runs past the end of the file")
        }
        return Int(n)
    }

    mutating func string(field: String) throws(FormatError) -> String {
        let n = try count(field: field)
        try need(n, field: field)
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]), as: UTF8.self)
        offset += n
        return s
    }

    mutating func skipString(field: String) throws(FormatError) {
        let n = try count(field: field)
        try need(n, field: field)
        offset += n
    }

    static func scalarSize(_ type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        default: return nil
        }
    }

    mutating func integerValue(type: UInt32, field: String) throws(FormatError) -> Int64? {
        switch type {
        case 0: return Int64(try fixed(UInt8.self, field: field))
        case 1: return Int64(try fixed(Int8.self, field: field))
        case 2: return Int64(try fixed(UInt16.self, field: field))
        case 3: return Int64(try fixed(Int16.self, field: field))
        case 4: return Int64(try fixed(UInt32.self, field: field))
        case 5: return Int64(try fixed(Int32.self, field: field))
        case 10:
            let v = try fixed(UInt64.self, field: field)
            guard v <= UInt64(Int64.max) else { throw .invalid(file: file, field: field, reason: "u64 \(v) too large") }
            return Int64(v)
        case 11: return try fixed(Int64.self, field: field)
        default: return nil
        }
    }

    mutating func realValue(type: UInt32, field: String) throws(FormatError) -> Double? {
        switch type {
        case 6: return Double(Float(bitPattern: try fixed(UInt32.self, field: field)))
        case 12: return Double(bitPattern: try fixed(UInt64.self, field: field))
        default: return nil
        }
    }

    /// Reads (or skips, when `keep` is false) one value of `type`.
    mutating func value(type: UInt32, field: String, keep: Bool) throws(FormatError) -> GGUFTokenizerMetadata.Value? {
        switch type {
        case 8:
            if keep { return .string(try string(field: field)) }
            try skipString(field: field)
            return nil
        case 9:
            let elementType = try fixed(UInt32.self, field: field)
            let n = try count(field: field)
            if elementType == 8 {
                guard keep else {
                    for _ in 0..<n { try skipString(field: field) }
                    return nil
                }
                var out: [String] = []
                out.reserveCapacity(n)
                for _ in 0..<n { out.append(try string(field: field)) }
                return .strings(out)
            }
            guard let size = Cursor.scalarSize(elementType) else {
                throw .unsupported(file: file, field: field, value: "array element type \(elementType)")
            }
            guard n <= (bytes.count - offset) / size else {
                throw .invalid(file: file, field: field, reason: "array of \(n) runs past the end of the file")
            }
            guard keep else {
                offset += n * size
                return nil
            }
            if elementType == 6 || elementType == 12 {
                var out: [Float] = []
                out.reserveCapacity(n)
                for _ in 0..<n { out.append(Float(try realValue(type: elementType, field: field)!)) }
                return .reals(out)
            }
            if elementType == 7 {
                var out: [Int64] = []
                for _ in 0..<n { out.append(Int64(try fixed(UInt8.self, field: field))) }
                return .integers(out)
            }
            var out: [Int64] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try integerValue(type: elementType, field: field)!) }
            return .integers(out)
        case 7:
            let b = try fixed(UInt8.self, field: field)
            return keep ? .bool(b != 0) : nil
        default:
            if let i = try integerValue(type: type, field: field) { return keep ? .integer(i) : nil }
            if let r = try realValue(type: type, field: field) { return keep ? .real(r) : nil }
            throw .unsupported(file: file, field: field, value: "value type \(type)")
        }
    }
}
