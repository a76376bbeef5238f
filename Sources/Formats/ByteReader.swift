/// A little-endian cursor over a byte buffer whose every read is bounds-checked.
///
/// Reads past the end throw ``FormatError/invalid(file:field:reason:)`` naming the field being read,
/// so a truncated file reports where it was cut.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    /// The next byte to read.
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, file: String, offset: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `n` more bytes are available.
    func need(_ n: Int, _ field: String) throws(FormatError) {
        guard n >= 0, n <= remaining else {
            throw FormatError.invalid(file: file, field: field,
                                      reason: "truncated: needs \(n) bytes at offset \(offset), file has \(bytes.count)")
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(FormatError) -> T {
        try need(MemoryLayout<T>.size, field)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func u8(_ field: String) throws(FormatError) -> UInt8 { try load(UInt8.self, field) }
    mutating func u32(_ field: String) throws(FormatError) -> UInt32 { try load(UInt32.self, field) }
    mutating func u64(_ field: String) throws(FormatError) -> UInt64 { try load(UInt64.self, field) }

    /// A count stored as u64 that must fit in `Int` and be at most `limit`.
    mutating func count(_ field: String, limit: Int) throws(FormatError) -> Int {
        let raw = try u64(field)
        guard raw <= UInt64(Swift.max(0, limit)) else {
            throw FormatError.invalid(file: file, field: field,
                                      reason: "count \(raw) exceeds what the remaining \(remaining) bytes can hold")
        }
        return Int(raw)
    }

    /// A u64 length followed by that many bytes of UTF-8.
    mutating func string(_ field: String) throws(FormatError) -> String {
        let n = try count(field, limit: remaining - 8)
        try need(n, field)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw FormatError.invalid(file: file, field: field, reason: "string is not valid UTF-8")
        }
        offset += n
        return s
    }
}
