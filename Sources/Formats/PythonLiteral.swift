/// A Python literal of the small kind NumPy writes into a `.npy` header, and a parser for it.
///
/// Grammar (what `ast.literal_eval` accepts there, nothing is ever evaluated):
/// ```
/// value  := string | integer | True | False | None | tuple | list | dict
/// string := '…' | "…"              (backslash escapes \\ \' \" \n \t \r; others kept as written)
/// integer:= [-] digits [L|l]        (the L of Python 2 headers is accepted)
/// tuple  := ( ) | ( value , ) | ( value , value … [,] )      — `( value )` is just the value
/// list   := [ [value (, value)* [,]] ]
/// dict   := { [string : value (, string : value)* [,]] }
/// ```
/// Integers are kept as text so that the caller can report a value too large for `Int` against its field.
enum PythonLiteral: Equatable, Sendable {
    case string(String)
    /// Optional minus sign followed by decimal digits, exactly as written (without an `L` suffix).
    case integer(String)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Keys in the order written; duplicates are kept (the caller decides).
    case dict([DictEntry])

    struct DictEntry: Equatable, Sendable {
        var key: String
        var value: PythonLiteral
    }

    /// A syntax error at byte `offset` of the parsed text.
    struct SyntaxError: Error, Equatable {
        var offset: Int
        var reason: String
    }

    /// How the literal reads in Python (used in error messages).
    var pythonText: String {
        switch self {
        case let .string(s): return "'\(s)'"
        case let .integer(digits): return digits
        case let .bool(b): return b ? "True" : "False"
        case .none: return "None"
        case let .tuple(items):
            return items.count == 1 ? "(\(items[0].pythonText),)"
                : "(" + items.map(\.pythonText).joined(separator: ", ") + ")"
        case let .list(items): return "[" + items.map(\.pythonText).joined(separator: ", ") + "]"
        case let .dict(entries):
            return "{" + entries.map { "'\($0.key)': \($0.value.pythonText)" }.joined(separator: ", ") + "}"
        }
    }

    /// Parses `text` as one literal surrounded by optional whitespace.
    static func parse(_ text: [UInt8]) throws(SyntaxError) -> PythonLiteral {
        var parser = Parser(bytes: text)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.pos == text.count else { throw parser.error("unexpected text after the literal") }
        return value
    }

    /// Deep nesting is refused rather than allowed to exhaust the stack.
    static let maxDepth = 32

    private struct Parser {
        let bytes: [UInt8]
        var pos = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ reason: String) -> SyntaxError { SyntaxError(offset: pos, reason: reason) }

        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func skipWhitespace() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C { pos += 1 }
        }

        mutating func expect(_ c: UInt8) throws(SyntaxError) {
            skipWhitespace()
            guard peek == c else {
                throw error("expected '\(Character(Unicode.Scalar(c)))'" + (peek == nil ? " before the end" : ""))
            }
            pos += 1
        }

        mutating func value(depth: Int) throws(SyntaxError) -> PythonLiteral {
            guard depth < PythonLiteral.maxDepth else { throw error("nesting deeper than \(PythonLiteral.maxDepth)") }
            skipWhitespace()
            guard let c = peek else { throw error("expected a value before the end") }
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try integer()
            case UInt8(ascii: "("): return try tuple(depth: depth)
            case UInt8(ascii: "["):
                pos += 1
                return .list(try items(closing: UInt8(ascii: "]"), depth: depth).items)
            case UInt8(ascii: "{"): return try dict(depth: depth)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
                let start = pos
                while let d = peek, d == UInt8(ascii: "_") || (d | 0x20) >= UInt8(ascii: "a") && (d | 0x20) <= UInt8(ascii: "z")
                    || d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { pos += 1 }
                let name = String(decoding: bytes[start..<pos], as: UTF8.self)
                switch name {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .none
                default:
                    pos = start
                    throw error("unexpected name '\(name)'")
                }
            default:
                throw error("unexpected character '\(Character(Unicode.Scalar(c)))'")
            }
        }

        mutating func string() throws(SyntaxError) -> String {
            let quote = bytes[pos]
            let start = pos
            pos += 1
            var out = [UInt8]()
            while true {
                guard let c = peek else {
                    pos = start
                    throw error("unterminated string")
                }
                pos += 1
                if c == quote { break }
                if c == 0x0A {
                    pos = start
                    throw error("newline inside a string")
                }
                if c == UInt8(ascii: "\\") {
                    guard let e = peek else { continue }
                    pos += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
                    default: out.append(c); out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func integer() throws(SyntaxError) -> PythonLiteral {
            let start = pos
            if peek == UInt8(ascii: "-") { pos += 1 }
            let digitsStart = pos
            while let d = peek, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { pos += 1 }
            guard pos > digitsStart else { throw error("expected digits after '-'") }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if peek == UInt8(ascii: "L") || peek == UInt8(ascii: "l") { pos += 1 }
            if let d = peek, d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E")
                || d == UInt8(ascii: "x") || d == UInt8(ascii: "j") || d == UInt8(ascii: "_") {
                throw error("only decimal integers are accepted")
            }
            return .integer(text)
        }

        /// Comma-separated values up to `closing` (the opening bracket already consumed); reports whether a
        /// comma was seen, which tells `(x)` from `(x,)`.
        mutating func items(closing: UInt8, depth: Int) throws(SyntaxError) -> (items: [PythonLiteral], sawComma: Bool) {
            var items = [PythonLiteral]()
            var sawComma = false
            while true {
                skipWhitespace()
                if peek == closing { pos += 1; return (items, sawComma) }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    pos += 1
                    sawComma = true
                } else if peek == closing {
                    pos += 1
                    return (items, sawComma)
                } else {
                    throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
                }
            }
        }

        mutating func tuple(depth: Int) throws(SyntaxError) -> PythonLiteral {
            pos += 1
            let (items, sawComma) = try items(closing: UInt8(ascii: ")"), depth: depth)
            // `(x)` is x itself in Python; only a comma (or nothing at all) makes a tuple.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        }

        mutating func dict(depth: Int) throws(SyntaxError) -> PythonLiteral {
            pos += 1
            var entries = [DictEntry]()
            while true {
                skipWhitespace()
                if peek == UInt8(ascii: "}") { pos += 1; return .dict(entries) }
                guard peek == UInt8(ascii: "'") || peek == UInt8(ascii: "\"") else {
                    throw error(peek == nil ? "unterminated dictionary" : "dictionary key is not a string")
                }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                entries.append(DictEntry(key: key, value: try value(depth: depth + 1)))
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    pos += 1
                } else if peek == UInt8(ascii: "}") {
                    pos += 1
                    return .dict(entries)
                } else {
                    throw error(peek == nil ? "unterminated dictionary" : "expected ',' or '}'")
                }
            }
        }
    }
}
