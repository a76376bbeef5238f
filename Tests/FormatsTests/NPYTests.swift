import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

// MARK: - Helpers

/// A fresh folder under the system temporary directory, removed by `cleanup()`.
private struct TempFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("npy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

/// Bit patterns, so that equality is exact (NaN payloads, signed zeros).
private func bits<T: LinalgScalar>(_ m: Matrix<T>) -> [UInt64] {
    m.elements.map { x in withUnsafeBytes(of: x) { raw in
        raw.count == 4 ? UInt64(raw.load(as: UInt32.self)) : raw.load(as: UInt64.self)
    } }
}

/// The field an error names ("" for I/O errors).
private func field(_ error: FormatError) -> String {
    switch error {
    case .io: return ""
    case let .invalid(_, field, _), let .unsupported(_, field, _): return field
    }
}

/// magic · version · header_len (UInt16 LE for major 1, else UInt32 LE) · header · data.
private func npyBytes(major: UInt8 = 1, minor: UInt8 = 0, header: String, data: [UInt8] = []) -> [UInt8] {
    npyBytes(major: major, minor: minor, headerBytes: Array(header.utf8), data: data)
}

private func npyBytes(major: UInt8 = 1, minor: UInt8 = 0, headerBytes: [UInt8], data: [UInt8] = []) -> [UInt8] {
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, minor]
    let n = headerBytes.count
    out += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : (0..<4).map { UInt8((n >> (8 * $0)) & 0xFF) }
    return out + headerBytes + data
}

private func dict(descr: String = "'<f4'", fortran: String = "False", shape: String = "(2, 3)") -> String {
    "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }\n"
}

private func floatBytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

private func fixturesFolder() throws -> URL {
    try #require(Bundle.module.url(forResource: "npy", withExtension: nil, subdirectory: "Fixtures"))
}

// MARK: - Round trips

@Suite struct NPYRoundTripTests {
    static let shapes: [(Int, Int)] = [(3, 4), (1, 1), (0, 5), (5, 0), (0, 0), (17, 9)]

    func roundTrip<T: LinalgScalar>(_: T.Type) throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        for (i, (r, c)) in Self.shapes.enumerated() {
            let m = Matrix<T>.gaussian(rows: r, cols: c, seed: UInt64(100 + i))
            let url = dir.file("m\(i).npy")
            try NPY.write(m, to: url)
            let back = try NPY.read(url, as: T.self)
            #expect(back.rows == r && back.cols == c)
            #expect(bits(back) == bits(m))
            let header = try NPY.readHeader(url)
            #expect(header.shape == [r, c])
            #expect(header.dtype == NPYDType(scalar: T.self))
            #expect(header.dataOffset % NPYHeader.alignment == 0)
            #expect(header.majorVersion == 1 && !header.fortranOrder)
        }
        // Only the finished files remain: no temporary files are left behind.
        #expect(dir.contents() == (0..<Self.shapes.count).map { "m\($0).npy" }.sorted())
    }

    @Test func float32() throws { try roundTrip(Float.self) }
    @Test func float64() throws { try roundTrip(Double.self) }

    @Test func specialValuesKeepTheirBits() throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        let f = [Float(bitPattern: 0x7FC0_0123), -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let d = [Double(bitPattern: 0x7FF8_0000_0000_0123), -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        try NPY.write(Matrix(rows: 2, cols: 3, elements: f), to: dir.file("f.npy"))
        try NPY.write(Matrix(rows: 3, cols: 2, elements: d), to: dir.file("d.npy"))
        #expect(bits(try NPY.read(dir.file("f.npy"), as: Float.self)) == bits(Matrix(rows: 2, cols: 3, elements: f)))
        #expect(bits(try NPY.read(dir.file("d.npy"), as: Double.self)) == bits(Matrix(rows: 3, cols: 2, elements: d)))
    }

    @Test func vectorIsOneDimensionalAndReadsAsARow() throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        for n in [0, 1, 7] {
            let v = Matrix<Double>.uniform(rows: 1, cols: n, seed: 7).elements
            let url = dir.file("v\(n).npy")
            try NPY.write(vector: v, to: url)
            #expect(try NPY.readHeader(url).shape == [n])
            let m = try NPY.read(url, as: Double.self)
            #expect(m.rows == 1 && m.cols == n && m.elements == v)
        }
    }

    @Test func convertsBetweenPrecisions() throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        let d = Matrix<Double>.gaussian(rows: 4, cols: 5, seed: 3)
        let f = Matrix<Float>.gaussian(rows: 5, cols: 4, seed: 4)
        try NPY.write(d, to: dir.file("d.npy"))
        try NPY.write(f, to: dir.file("f.npy"))
        // Double → Float rounds to nearest; Float → Double is exact.
        #expect(try NPY.read(dir.file("d.npy"), as: Float.self) == d.converted(to: Float.self))
        #expect(try NPY.read(dir.file("f.npy"), as: Double.self) == f.converted(to: Double.self))
        #expect(try NPY.readAny(dir.file("d.npy")) == .float64(d))
        #expect(try NPY.readAny(dir.file("f.npy")) == .float32(f))
        #expect(try NPY.readAny(dir.file("f.npy")).dtype == .float32)
    }

    @Test func overwritesAtomically() throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        let url = dir.file("a.npy")
        try NPY.write(Matrix<Float>.uniform(rows: 50, cols: 50, seed: 1), to: url)
        let small = Matrix<Float>.uniform(rows: 2, cols: 2, seed: 2)
        try NPY.write(small, to: url)
        #expect(try NPY.read(url, as: Float.self) == small)
        #expect(dir.contents() == ["a.npy"])
    }

    @Test func encodedHeaderIsNumPyStyle() throws {
        let bytes = NPYHeader(dtype: .float64, shape: [3]).encoded()
        #expect(bytes.count % NPYHeader.alignment == 0)
        #expect(Array(bytes[0..<8]) == NPYHeader.magic + [1, 0])
        #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == bytes.count - 10)
        #expect(bytes.last == 0x0A)
        let text = String(decoding: bytes[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"))
    }

    @Test func writeIntoMissingFolderIsAnIOError() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.npy")
        #expect(throws: FormatError.self) { try NPY.write(Matrix<Float>(rows: 1, cols: 1), to: url) }
        do {
            try NPY.write(Matrix<Float>(rows: 1, cols: 1), to: url)
        } catch {
            guard case let .io(file, _) = error else { Issue.record("expected .io, got \(error)"); return }
            #expect(file == url.path)
        }
    }

    @Test func readingAMissingFileIsAnIOError() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString).npy")
        do {
            _ = try NPY.readAny(url)
            Issue.record("expected an error")
        } catch {
            guard case let .io(file, reason) = error else { Issue.record("expected .io, got \(error)"); return }
            #expect(file == url.path && reason.contains("cannot open"))
        }
    }
}

// MARK: - Files written by NumPy

@Suite struct NPYNumPyFixtureTests {
    struct Expected: Decodable {
        var descr: String?
        var fortran_order: Bool?
        var shape: [Int]?
        var version: [Int]?
        var bits: [String]?
        var error_field: String?
    }

    func expectations() throws -> [String: Expected] {
        let data = try Data(contentsOf: try fixturesFolder().appendingPathComponent("expected.json"))
        return try JSONDecoder().decode([String: Expected].self, from: data)
    }

    @Test func readsNumPyFilesBitExactly() throws {
        let folder = try fixturesFolder()
        let accepted = try expectations().filter { $0.value.error_field == nil }
        #expect(accepted.count >= 9)
        for (name, e) in accepted.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name)
            let header = try NPY.readHeader(url)
            #expect(header.dtype.rawValue == e.descr, "\(name)")
            #expect(header.fortranOrder == e.fortran_order, "\(name)")
            #expect(header.shape == e.shape, "\(name)")
            #expect([header.majorVersion, header.minorVersion] == e.version, "\(name)")
            let array = try NPY.readAny(url)
            let got: [UInt64]
            switch array {
            case let .float32(m): got = bits(m)
            case let .float64(m): got = bits(m)
            }
            #expect(got == e.bits?.compactMap { UInt64($0, radix: 16) }, "\(name)")
            let shape = try #require(e.shape)
            #expect(array.rows == (shape.count == 2 ? shape[0] : 1), "\(name)")
            #expect(array.cols == shape.last, "\(name)")
        }
    }

    @Test func rejectsWhatWeDoNotSupport() throws {
        let folder = try fixturesFolder()
        let rejected = try expectations().filter { $0.value.error_field != nil }
        #expect(rejected.count >= 4)
        for (name, e) in rejected.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name)
            do {
                _ = try NPY.readAny(url)
                Issue.record("\(name): expected an error")
            } catch {
                guard case let .unsupported(file, f, _) = error else { Issue.record("\(name): got \(error)"); continue }
                #expect(file == url.path && f == e.error_field, "\(name): \(error)")
            }
        }
    }

    @Test func fortranOrderIsTransposedOnRead() throws {
        let folder = try fixturesFolder()
        // The same logical 3 × 4 values, once in each order (the C-order one is written by us from the first).
        let fortran = try NPY.read(folder.appendingPathComponent("f64_fortran_3x4.npy"), as: Double.self)
        let dir = try TempFolder()
        defer { dir.cleanup() }
        try NPY.write(fortran, to: dir.file("c.npy"))
        let header = try NPY.readHeader(dir.file("c.npy"))
        #expect(!header.fortranOrder && header.shape == [3, 4])
        #expect(try NPY.read(dir.file("c.npy"), as: Double.self) == fortran)
    }
}

// MARK: - Malformed files

@Suite struct NPYMalformedTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        /// The field the error must name.
        var field: String
        /// true: `.unsupported`, false: `.invalid`.
        var unsupported = false
        var testDescription: String { name }
    }

    static let six = floatBytes([1, 2, 3, 4, 5, 6])  // the data of a 2 × 3 '<f4' array

    static let cases: [Case] = [
        Case(name: "empty file", bytes: [], field: "magic"),
        Case(name: "short magic", bytes: [0x93, 0x4E, 0x55], field: "magic"),
        Case(name: "bad magic", bytes: Array("\u{7F}ELF".utf8) + [UInt8](repeating: 0, count: 60), field: "magic"),
        Case(name: "lowercase magic", bytes: [0x93] + Array("numpy".utf8) + [1, 0, 0, 0], field: "magic"),
        Case(name: "ends after magic", bytes: [0x93] + Array("NUMPY".utf8) + [1], field: "version"),
        Case(name: "version 4.0", bytes: npyBytes(major: 4, header: dict(), data: six), field: "version", unsupported: true),
        Case(name: "version 1.1", bytes: npyBytes(major: 1, minor: 1, header: dict(), data: six), field: "version",
             unsupported: true),
        Case(name: "version 0.0", bytes: npyBytes(major: 0, header: dict(), data: six), field: "version", unsupported: true),
        Case(name: "ends inside header_len", bytes: [0x93] + Array("NUMPY".utf8) + [2, 0, 0x10, 0], field: "header_len"),
        Case(name: "truncated header", bytes: Array(npyBytes(header: dict(), data: []).dropLast(20)), field: "header_len"),
        Case(name: "header_len past end (v2)",
             bytes: [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + Array(dict().utf8), field: "header_len"),
        Case(name: "header is a list", bytes: npyBytes(header: "['<f4', False, (2, 3)]\n", data: six), field: "header"),
        Case(name: "header is garbage", bytes: npyBytes(header: "descr=<f4 shape=2x3\n", data: six), field: "header"),
        Case(name: "header unterminated dict", bytes: npyBytes(header: "{'descr': '<f4', 'shape': (2, 3)", data: six),
             field: "header"),
        Case(name: "header unterminated string", bytes: npyBytes(header: "{'descr': '<f4}\n", data: six), field: "header"),
        Case(name: "header with a call", bytes: npyBytes(header: dict(shape: "tuple([2, 3])"), data: six), field: "header"),
        Case(name: "header trailing text", bytes: npyBytes(header: dict() + "x", data: six), field: "header"),
        Case(name: "header nested too deep",
             bytes: npyBytes(header: dict(shape: String(repeating: "(", count: 100) + String(repeating: ")", count: 100)),
                             data: six), field: "header"),
        Case(name: "header unexpected key",
             bytes: npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", data: six),
             field: "header"),
        Case(name: "header duplicate key",
             bytes: npyBytes(header: "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", data: six),
             field: "header"),
        Case(name: "header non-string key", bytes: npyBytes(header: "{1: 2}", data: six), field: "header"),
        Case(name: "header v3 invalid UTF-8",
             bytes: npyBytes(major: 3, headerBytes: Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ".utf8)
                                 + [0xFF, 0xFE] + Array("}\n".utf8), data: six), field: "header"),
        Case(name: "descr missing", bytes: npyBytes(header: "{'fortran_order': False, 'shape': (2, 3)}", data: six),
             field: "descr"),
        Case(name: "descr int32", bytes: npyBytes(header: dict(descr: "'<i4'"), data: six), field: "descr", unsupported: true),
        Case(name: "descr float16", bytes: npyBytes(header: dict(descr: "'<f2'"), data: six), field: "descr", unsupported: true),
        Case(name: "descr native '=f4'", bytes: npyBytes(header: dict(descr: "'=f4'"), data: six), field: "descr",
             unsupported: true),
        Case(name: "descr big-endian f4", bytes: npyBytes(header: dict(descr: "'>f4'"), data: six), field: "descr",
             unsupported: true),
        Case(name: "descr big-endian f8", bytes: npyBytes(header: dict(descr: "'>f8'"), data: six + six), field: "descr",
             unsupported: true),
        Case(name: "descr structured", bytes: npyBytes(header: dict(descr: "[('a', '<f4'), ('b', '<f4')]"), data: six),
             field: "descr", unsupported: true),
        Case(name: "descr not a string", bytes: npyBytes(header: dict(descr: "4"), data: six), field: "descr"),
        Case(name: "fortran_order a string", bytes: npyBytes(header: dict(fortran: "'yes'"), data: six), field: "fortran_order"),
        Case(name: "fortran_order an int", bytes: npyBytes(header: dict(fortran: "1"), data: six), field: "fortran_order"),
        Case(name: "fortran_order missing", bytes: npyBytes(header: "{'descr': '<f4', 'shape': (2, 3)}", data: six),
             field: "fortran_order"),
        Case(name: "shape missing", bytes: npyBytes(header: "{'descr': '<f4', 'fortran_order': False}", data: six),
             field: "shape"),
        Case(name: "shape parenthesized int", bytes: npyBytes(header: dict(shape: "(6)"), data: six), field: "shape"),
        Case(name: "shape a list", bytes: npyBytes(header: dict(shape: "[2, 3]"), data: six), field: "shape"),
        Case(name: "shape with a string", bytes: npyBytes(header: dict(shape: "(2, '3')"), data: six), field: "shape"),
        Case(name: "shape negative", bytes: npyBytes(header: dict(shape: "(-2, -3)"), data: six), field: "shape"),
        Case(name: "shape float", bytes: npyBytes(header: dict(shape: "(2.0, 3)"), data: six), field: "header"),
        Case(name: "shape 0-D", bytes: npyBytes(header: dict(shape: "()"), data: floatBytes([1])), field: "shape",
             unsupported: true),
        Case(name: "shape 3-D", bytes: npyBytes(header: dict(shape: "(1, 2, 3)"), data: six), field: "shape",
             unsupported: true),
        Case(name: "shape dimension beyond 64 bits",
             bytes: npyBytes(header: dict(shape: "(99999999999999999999999, 1)"), data: six), field: "shape"),
        Case(name: "shape element count overflows",
             bytes: npyBytes(header: dict(shape: "(4294967296, 4294967296)"), data: six), field: "shape"),
        Case(name: "shape byte count overflows",
             bytes: npyBytes(header: dict(descr: "'<f8'", shape: "(1152921504606846976, 2)"), data: six), field: "shape"),
        Case(name: "huge shape, short data", bytes: npyBytes(header: dict(shape: "(1000000000, 1000000)"), data: six),
             field: "data length"),
        Case(name: "shape/length mismatch (extra bytes)", bytes: npyBytes(header: dict(shape: "(2, 2)"), data: six),
             field: "data length"),
        Case(name: "shape/length mismatch (partial element)", bytes: npyBytes(header: dict(), data: six + [0]),
             field: "data length"),
        Case(name: "truncated data", bytes: npyBytes(header: dict(), data: Array(six.dropLast(3))), field: "data length"),
        Case(name: "no data", bytes: npyBytes(header: dict(), data: []), field: "data length"),
    ]

    @Test(arguments: cases) func malformedFileIsATypedError(_ c: Case) throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        let url = dir.file("bad.npy")
        try Data(c.bytes).write(to: url)
        do {
            let m = try NPY.read(url, as: Float.self)
            Issue.record("\(c.name): expected an error, read \(m.rows)×\(m.cols)")
        } catch {
            #expect(field(error) == c.field, "\(c.name): \(error)")
            switch error {
            case let .invalid(file, _, _): #expect(!c.unsupported && file == url.path, "\(c.name): \(error)")
            case let .unsupported(file, _, _): #expect(c.unsupported && file == url.path, "\(c.name): \(error)")
            case .io: Issue.record("\(c.name): unexpected I/O error \(error)")
            }
            #expect(error.description.contains("'\(c.field)'"))
        }
    }

    /// Headers NumPy (or Python 2 NumPy) could have written, in unusual but valid spellings.
    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
        "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3)}",
        "{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<f4'}          \n",
        "  {'descr': '<f4',\n 'fortran_order': False,\t'shape': (2, 3,)}  \n",
    ])
    func acceptsValidHeaderSpellings(_ header: String) throws {
        let dir = try TempFolder()
        defer { dir.cleanup() }
        for major: UInt8 in [1, 2, 3] {
            let url = dir.file("ok\(major).npy")
            try Data(npyBytes(major: major, header: header, data: Self.six)).write(to: url)
            let m = try NPY.read(url, as: Float.self)
            #expect(m == Matrix(rows: 2, cols: 3, elements: [1, 2, 3, 4, 5, 6]))
        }
    }

    @Test func latin1HeaderIsDecoded() throws {
        // Byte 0xE9 ('é' in latin-1) in a v1 header value: decoded, then rejected as an unknown descr by name.
        let dir = try TempFolder()
        defer { dir.cleanup() }
        let url = dir.file("l.npy")
        let header = Array("{'descr': '<f".utf8) + [0xE9] + Array("', 'fortran_order': False, 'shape': (2, 3)}".utf8)
        try Data(npyBytes(headerBytes: header, data: Self.six)).write(to: url)
        #expect(throws: FormatError.unsupported(file: url.path, field: "descr",
                                                value: "'<fé' (only '<f4' and '<f8' are read)")) {
            _ = try NPY.readAny(url)
        }
    }
}

// MARK: - The literal parser

@Test func pythonLiteralParsesNestedValues() throws {
    let text = "{'a': (1,), 'b': [True, None, -3], 'c': (), \"d\": 'x\\'y', 'e': ((1, 2), 3)}"
    let value = try PythonLiteral.parse(Array(text.utf8))
    #expect(value == .dict([
        .init(key: "a", value: .tuple([.integer("1")])),
        .init(key: "b", value: .list([.bool(true), .none, .integer("-3")])),
        .init(key: "c", value: .tuple([])),
        .init(key: "d", value: .string("x'y")),
        .init(key: "e", value: .tuple([.tuple([.integer("1"), .integer("2")]), .integer("3")])),
    ]))
    #expect(try PythonLiteral.parse(Array("(5)".utf8)) == .integer("5"))
    #expect(throws: PythonLiteral.SyntaxError.self) { try PythonLiteral.parse(Array("(1 2)".utf8)) }
    #expect(throws: PythonLiteral.SyntaxError.self) { try PythonLiteral.parse(Array("".utf8)) }
    #expect(throws: PythonLiteral.SyntaxError.self) { try PythonLiteral.parse(Array("0x10".utf8)) }
}
