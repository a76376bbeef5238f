/// UTF-8 bytes used as a dictionary key: compared byte for byte (unlike `String`, whose equality is
/// canonical equivalence) and hashed in one `Hasher.combine(bytes:)` call (unlike `[UInt8]`, hashed per byte).
struct ByteString: Hashable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }
    init<C: Collection>(_ slice: C) where C.Element == UInt8 { bytes = Array(slice) }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: ByteString, b: ByteString) -> Bool { a.bytes == b.bytes }
}
