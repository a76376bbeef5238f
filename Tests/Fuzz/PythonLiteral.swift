// libFuzzer target: the Python-literal parser behind .npy headers, then the header reader on its result.
// Contract: a SyntaxError at an offset inside the text, or a value nested at most maxDepth deep whose
// pythonText parses again (strings without quotes or backslashes round-trip to the same value); the .npy
// header reader then gives a FormatError or a header with a 1-D or 2-D shape whose byte size fits in Int.
@testable import Formats

private func depth(_ v: PythonLiteral) -> Int {
    switch v {
    case let .tuple(items), let .list(items): return 1 + (items.map(depth).max() ?? 0)
    case let .dict(entries): return 1 + (entries.map { depth($0.value) }.max() ?? 0)
    default: return 1
    }
}

/// Whether every string in `v` is free of quotes, backslashes and newlines (pythonText does not escape them).
private func plainStrings(_ v: PythonLiteral) -> Bool {
    func plain(_ s: String) -> Bool { !s.utf8.contains { $0 == 0x27 || $0 == 0x22 || $0 == 0x5C || $0 == 0x0A } }
    switch v {
    case let .string(s): return plain(s)
    case let .tuple(items), let .list(items): return items.allSatisfy(plainStrings)
    case let .dict(entries): return entries.allSatisfy { plain($0.key) && plainStrings($0.value) }
    default: return true
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPythonLiteral(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = inputBytes(data, size)
    let value: PythonLiteral
    do throws(PythonLiteral.SyntaxError) {
        value = try PythonLiteral.parse(text)
    } catch {
        require((0...text.count).contains(error.offset), "error offset \(error.offset) outside the text")
        return 0
    }
    require(depth(value) <= PythonLiteral.maxDepth, "nested \(depth(value)) deep")
    if plainStrings(value) {
        let again = try? PythonLiteral.parse(Array(value.pythonText.utf8))
        require(again == value, "pythonText does not parse back: \(value.pythonText.prefix(200))")
    }
    for major in 1...3 {
        guard let header = try? NPYHeader.parse(dictionary: text, major: major, file: "/fuzz/header") else { continue }
        require((1...2).contains(header.shape.count) && header.shape.allSatisfy { $0 >= 0 }, "shape \(header.shape)")
        let bytes = CheckedArithmetic.product([header.dtype.itemSize] + header.shape)
        require(bytes != nil && header.dataByteCount == bytes, "byte size of \(header.shape) overflows")
    }
    return 0
}
