/// The header of a NumPy `.npy` file, format versions 1.0, 2.0 and 3.0.
///
/// Layout of the file:
/// ```
/// offset 0   magic        "\x93NUMPY"                      6 bytes
///        6   version      major, minor                     1 byte each: (1,0) (2,0) (3,0)
///        8   header_len   UInt16 LE (1.0) | UInt32 LE (2.0, 3.0)
///   10 | 12  header       header_len bytes, latin-1 (1.0, 2.0) | UTF-8 (3.0): a Python dict literal
///                         {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }   + spaces + "\n"
///   dataOffset elements   ∏shape · itemSize bytes, C order (row-major) or Fortran order (column-major)
/// ```
/// The dict must hold exactly the keys `descr`, `fortran_order` and `shape` (as NumPy requires).
/// Only `'<f4'` and `'<f8'` and shapes of one or two dimensions are supported; everything else is an
/// error naming the field. The data must fill the rest of the file exactly.
public struct NPYHeader: Sendable, Equatable {
    /// The six bytes every `.npy` file starts with.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// Files are padded so that the data starts on a multiple of this (NumPy ≥ 1.14 uses 64).
    public static let alignment = 64

    public var majorVersion: Int
    public var minorVersion: Int
    public var dtype: NPYDType
    /// True when the elements are stored column-major.
    public var fortranOrder: Bool
    /// One or two dimensions, each ≥ 0, whose product (times the item size) fits in `Int`.
    public var shape: [Int]
    /// Byte offset of the first element.
    public var dataOffset: Int

    /// A header for writing (version and offset are chosen by ``encoded()``).
    public init(dtype: NPYDType, fortranOrder: Bool = false, shape: [Int]) {
        precondition((1...2).contains(shape.count) && shape.allSatisfy { $0 >= 0 }, "NPYHeader: bad shape \(shape)")
        self.majorVersion = 1
        self.minorVersion = 0
        self.dtype = dtype
        self.fortranOrder = fortranOrder
        self.shape = shape
        self.dataOffset = 0
    }

    /// ∏ shape.
    public var elementCount: Int { shape.reduce(1, *) }
    /// ∏ shape · itemSize.
    public var dataByteCount: Int { elementCount * dtype.itemSize }

    /// The matrix this file reads as: (s₀, s₁) for a 2-D shape, and a single row (1, n) for a 1-D shape (n,).
    public var matrixShape: (rows: Int, cols: Int) {
        shape.count == 2 ? (shape[0], shape[1]) : (1, shape[0])
    }

    /// The shape as Python writes it: `(3,)`, `(3, 4)`.
    public var shapeText: String { Self.shapeText(shape) }

    private static func hexByte(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: - Reading

    /// Reads and validates the header of `file`, including that the data after it has exactly the
    /// length the shape and dtype call for.
    static func read(from file: PositionalFileReader) throws(FormatError) -> NPYHeader {
        let name = file.path
        let size = file.size
        let prefix = try file.bytes(at: 0, count: min(size, 12))

        guard prefix.count >= 6 else {
            throw .invalid(file: name, field: "magic", reason: "file has \(size) bytes, too short for the 6-byte magic")
        }
        guard Array(prefix[0..<6]) == magic else {
            throw .invalid(file: name, field: "magic",
                           reason: "expected \\x93NUMPY, found \(prefix[0..<6].map(hexByte).joined(separator: " "))")
        }
        guard prefix.count >= 8 else {
            throw .invalid(file: name, field: "version", reason: "file ends after the magic (\(size) bytes)")
        }
        let major = Int(prefix[6]), minor = Int(prefix[7])
        guard minor == 0, (1...3).contains(major) else {
            throw .unsupported(file: name, field: "version", value: "\(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard prefix.count >= 8 + lengthBytes else {
            throw .invalid(file: name, field: "header_len",
                           reason: "file ends inside the \(lengthBytes)-byte header length (\(size) bytes)")
        }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(prefix[8 + i]) << (8 * i) }
        let headerStart = 8 + lengthBytes
        guard headerLength <= size - headerStart else {
            throw .invalid(file: name, field: "header_len",
                           reason: "header of \(headerLength) bytes at byte \(headerStart) runs past the end of the "
                               + "file (\(size) bytes): truncated header")
        }
        let raw = try file.bytes(at: headerStart, count: headerLength)
        var header = try parse(dictionary: raw, major: major, file: name)
        header.majorVersion = major
        header.minorVersion = minor
        header.dataOffset = headerStart + headerLength

        let available = size - header.dataOffset
        let needed = header.dataByteCount
        guard available == needed else {
            throw .invalid(file: name, field: "data length",
                           reason: available < needed
                               ? "truncated: shape \(header.shapeText) of '\(header.dtype.rawValue)' needs \(needed) bytes "
                                   + "after the header, the file has \(available)"
                               : "\(available) bytes after the header, but shape \(header.shapeText) of "
                                   + "'\(header.dtype.rawValue)' needs \(needed)")
        }
        return header
    }

    /// Parses the header dict (the `header_len` bytes) into a header with offset and version still unset.
    static func parse(dictionary raw: [UInt8], major: Int, file name: String) throws(FormatError) -> NPYHeader {
        // Versions 1 and 2 are latin-1: each byte is the code point of the same value; re-encode as UTF-8.
        var text = raw
        if major < 3 {
            if raw.contains(where: { $0 >= 0x80 }) {
                text = Array(String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) })).utf8)
            }
        } else if String(validating: raw, as: UTF8.self) == nil {
            throw .invalid(file: name, field: "header", reason: "not valid UTF-8 (required by version 3.0)")
        }

        let literal: PythonLiteral
        do throws(PythonLiteral.SyntaxError) {
            literal = try PythonLiteral.parse(text)
        } catch {
            throw .invalid(file: name, field: "header",
                           reason: "not a Python literal: \(error.reason) at byte \(error.offset) of the header")
        }
        guard case let .dict(entries) = literal else {
            throw .invalid(file: name, field: "header", reason: "expected a dictionary, found \(literal.pythonText.prefix(80))")
        }
        var values = [String: PythonLiteral]()
        for entry in entries {
            guard ["descr", "fortran_order", "shape"].contains(entry.key) else {
                throw .invalid(file: name, field: "header", reason: "unexpected key '\(entry.key)'")
            }
            guard values.updateValue(entry.value, forKey: entry.key) == nil else {
                throw .invalid(file: name, field: "header", reason: "key '\(entry.key)' appears twice")
            }
        }
        for key in ["descr", "fortran_order", "shape"] where values[key] == nil {
            throw .invalid(file: name, field: key, reason: "missing from the header dictionary")
        }

        let dtype: NPYDType
        switch values["descr"]! {
        case let .string(descr):
            if let d = NPYDType(rawValue: descr) {
                dtype = d
            } else if descr == ">f4" || descr == ">f8" {
                throw .unsupported(file: name, field: "descr", value: "'\(descr)' (big-endian; only '<f4' and '<f8' are read)")
            } else {
                throw .unsupported(file: name, field: "descr", value: "'\(descr)' (only '<f4' and '<f8' are read)")
            }
        case let .list(fields):
            throw .unsupported(file: name, field: "descr", value: "a structured dtype with \(fields.count) fields")
        case let other:
            throw .invalid(file: name, field: "descr", reason: "expected a string, found \(other.pythonText.prefix(80))")
        }

        guard case let .bool(fortranOrder) = values["fortran_order"]! else {
            throw .invalid(file: name, field: "fortran_order",
                           reason: "expected True or False, found \(values["fortran_order"]!.pythonText.prefix(80))")
        }

        guard case let .tuple(items) = values["shape"]! else {
            throw .invalid(file: name, field: "shape",
                           reason: "expected a tuple of integers, found \(values["shape"]!.pythonText.prefix(80))")
        }
        var shape = [Int]()
        for item in items {
            guard case let .integer(digits) = item else {
                throw .invalid(file: name, field: "shape", reason: "expected integers, found \(item.pythonText.prefix(80))")
            }
            guard let n = Int(digits) else {
                throw .invalid(file: name, field: "shape", reason: "dimension \(digits.prefix(40)) does not fit in 64 bits")
            }
            guard n >= 0 else { throw .invalid(file: name, field: "shape", reason: "negative dimension \(n)") }
            shape.append(n)
        }
        guard (1...2).contains(shape.count) else {
            throw .unsupported(file: name, field: "shape",
                               value: "\(values["shape"]!.pythonText) (\(shape.count)-dimensional; only 1-D and 2-D arrays are read)")
        }
        var bytes = dtype.itemSize
        for n in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw .invalid(file: name, field: "shape",
                               reason: "\(shapeText(shape)) of '\(dtype.rawValue)' needs more bytes than fit in 64 bits")
            }
            bytes = product
        }
        return NPYHeader(dtype: dtype, fortranOrder: fortranOrder, shape: shape)
    }

    // MARK: - Writing

    /// The bytes of magic, version, header_len and the padded dict, in NumPy's style: version 1.0 unless
    /// the dict needs more than 65 535 bytes; total length a multiple of ``alignment``; ends in "\n".
    public func encoded() -> [UInt8] {
        let dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
            + "'shape': \(shapeText), }"
        var body = Array(dict.utf8)
        let version1 = body.count + 1 + 10 + Self.alignment <= 0xFFFF
        let prefixLength = version1 ? 10 : 12
        let padding = (Self.alignment - (prefixLength + body.count + 1) % Self.alignment) % Self.alignment
        body += [UInt8](repeating: 0x20, count: padding)
        body.append(0x0A)
        var out = Self.magic
        out += [version1 ? 1 : 2, 0]
        for i in 0..<(version1 ? 2 : 4) { out.append(UInt8(truncatingIfNeeded: body.count >> (8 * i))) }
        return out + body
    }
}
