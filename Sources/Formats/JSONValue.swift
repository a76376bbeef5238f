import Foundation

/// A strict RFC 8259 JSON parser for files whose structure must be checked exactly (safetensors headers and
/// indexes, Hugging Face tokenizer.json).
///
/// - Duplicate object keys are errors; integers are kept exact; every error carries a byte offset.
///   (Codable's JSONDecoder silently keeps one of two duplicate keys, and turns 2⁵³ + 1 into a Double.)
/// - Objects keep every member in document order, keys exactly as written. Strings keep their exact UTF-8
///   bytes, and keys and strings are compared byte for byte (equality, duplicate detection, `subscript`),
///   never by Swift `String` equality, which is canonical equivalence: a vocabulary holding both U+0301
///   and U+0341 (Gemma's does) would otherwise lose one of them or be rejected as a duplicate.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in Int.
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(key: String, value: JSONValue)])

    /// Structural equality; strings and keys compare by their UTF-8 bytes, `.int(1)` differs from `.double(1)`.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        default: return false
        }
    }

    // MARK: - Access

    /// The member named `key` (byte-wise comparison), for objects; nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    public var bool: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var array: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    /// An object's members in document order.
    public var members: [(key: String, value: JSONValue)]? { if case let .object(m) = self { return m } else { return nil } }
    /// An integral number: an `.int`, or a `.double` with no fractional part below 2⁵³ in magnitude (`3.0`, `1e2`).
    public var int: Int? {
        switch self {
        case let .int(v): return v
        case let .double(d) where d == d.rounded() && abs(d) < 9_007_199_254_740_992: return Int(d)
        default: return nil
        }
    }
    /// Any number as Double.
    public var double: Double? {
        switch self {
        case let .int(v): return Double(v)
        case let .double(d): return d
        default: return nil
        }
    }

    // MARK: - Parsing

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Byte offset of the problem in the parsed text.
        public var offset: Int
        public var message: String
        public init(offset: Int, message: String) {
            self.offset = offset
            self.message = message
        }
        public var description: String { "byte \(offset): \(message)" }
    }

    /// Parses one JSON value (UTF-8 text) from `bytes`; only whitespace may follow it. Arrays and objects may
    /// nest at most `maxDepth` deep.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        var p = Parser(bytes: bytes, maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw ParseError(offset: p.i, message: "trailing characters") }
        return v
    }

    /// Parses one JSON value from a byte array or `Data`.
    public static func parse(_ bytes: some ContiguousBytes, maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ParseError) in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// A String hashed and compared by its UTF-8 bytes (duplicate-key detection).
    private struct ExactKey: Hashable {
        let string: String
        static func == (a: ExactKey, b: ExactKey) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
        func hash(into hasher: inout Hasher) {
            let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            if done == nil { for b in string.utf8 { hasher.combine(b) } }
            hasher.combine(0xFF as UInt8)  // never in UTF-8: terminates the key
        }
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let maxDepth: Int
        var i = 0

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func fail(_ message: String) -> ParseError { ParseError(offset: i, message: message) }

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
        }

        mutating func expect(_ literal: String) throws(ParseError) {
            for b in literal.utf8 {
                guard peek == b else { throw fail("expected '\(literal)'") }
                i += 1
            }
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth)") }
            guard let c = peek else { throw fail("unexpected end of input") }
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                var members = [(key: String, value: JSONValue)]()
                var seen = Set<ExactKey>()
                skipSpace()
                if peek == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    let keyStart = i
                    guard peek == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = try string()
                    guard seen.insert(ExactKey(string: key)).inserted else {
                        throw ParseError(offset: keyStart, message: "duplicate key \"\(key)\"")
                    }
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    try expect("}")
                    return .object(members)
                }
            case UInt8(ascii: "["):
                i += 1
                var items = [JSONValue]()
                skipSpace()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    try expect("]")
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return try number()
            }
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = i
            if peek == UInt8(ascii: "-") { i += 1 }
            func digits(_ p: inout Parser) -> Int {
                let s = p.i
                while let c = p.peek, c >= 0x30 && c <= 0x39 { p.i += 1 }
                return p.i - s
            }
            let intDigits = digits(&self)
            guard intDigits > 0 else { throw fail("invalid value") }
            guard !(intDigits > 1 && bytes[i - intDigits] == 0x30) else { throw fail("leading zero in number") }
            var integral = true
            if peek == UInt8(ascii: ".") {
                i += 1
                integral = false
                guard digits(&self) > 0 else { throw fail("digits expected after '.'") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                i += 1
                integral = false
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { throw fail("digits expected in exponent") }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            if integral, let v = Int(text) { return .int(v) }
            guard let d = Double(text) else { throw ParseError(offset: start, message: "number out of range") }
            return .double(d)
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek else { throw fail("truncated \\u escape") }
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// A string's bytes exactly as written (escapes decoded, nothing normalized), validated as UTF-8.
        mutating func string() throws(ParseError) -> String {
            i += 1   // opening quote
            var out = [UInt8]()
            while true {
                guard let c = peek else { throw fail("unterminated string") }
                i += 1
                switch c {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: out, as: UTF8.self) else {
                        throw fail("string is not valid UTF-8")
                    }
                    return s
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw fail("unterminated escape") }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            try expect("\\u")
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                        UTF8.encode(u) { out.append($0) }
                    default: throw fail("unknown escape")
                    }
                case 0..<0x20: throw fail("control character in string")
                default: out.append(c)
                }
            }
        }
    }

    /// JSON text for a string (quoted, escaped).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
