/// Token spelling → id, looked up by raw UTF-8 bytes without allocating.
///
/// The spellings live in one byte arena (`offsets[i]..<offsets[i+1]` is token i); an open-addressing table
/// of ids is probed with the 64-bit FNV-1a hash of the bytes and confirmed by comparing bytes. Comparison is
/// byte for byte, never `String` canonical equivalence. For a spelling listed twice the last id wins, as in
/// Hugging Face's vocabulary map.
struct VocabularyIndex: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]  // count + 1
    private var table: [Int32]  // power-of-two size, −1 = empty
    private let mask: Int

    init(_ tokens: [String]) {
        var size = 16
        while size < 2 * tokens.count { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
        arena.reserveCapacity(tokens.count * 8)
        offsets.reserveCapacity(tokens.count + 1)
        for t in tokens {
            arena.append(contentsOf: t.utf8)
            offsets.append(arena.count)
        }
        arena.withUnsafeBufferPointer { a in
            for i in 0..<tokens.count {
                let bytes = UnsafeBufferPointer(rebasing: a[offsets[i]..<offsets[i + 1]])
                var slot = Self.hash(bytes) & mask
                while table[slot] >= 0, !Self.equal(a, offsets, Int(table[slot]), bytes) { slot = (slot + 1) & mask }
                table[slot] = Int32(i)
            }
        }
    }

    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always) private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ offsets: [Int], _ id: Int,
                                                _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[id], end = offsets[id + 1]
        guard end - start == bytes.count else { return false }
        for k in 0..<bytes.count where a[start + k] != bytes[k] { return false }
        return true
    }

    /// The id spelled by `bytes`, if any.
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        arena.withUnsafeBufferPointer { a in
            var slot = Self.hash(bytes) & mask
            while true {
                let id = table[slot]
                if id < 0 { return nil }
                if Self.equal(a, offsets, Int(id), bytes) { return id }
                slot = (slot + 1) & mask
            }
        }
    }

    func lookup(_ string: String) -> Int32? {
        var s = string
        return s.withUTF8 { lookup($0) }
    }

    func lookup(_ bytes: [UInt8]) -> Int32? { bytes.withUnsafeBufferPointer { lookup($0) } }

    /// The bytes of token `id`.
    func bytes(of id: Int) -> ArraySlice<UInt8> { arena[offsets[id]..<offsets[id + 1]] }
}
