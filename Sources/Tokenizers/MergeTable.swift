/// The BPE merge rules as a hash table: (left id, right id) → (rank, merged id).
///
/// Lower rank merges first. Open addressing with linear probing over a power-of-two table; each slot is
/// two adjacent words, the key `left << 32 | right` and the value `rank << 32 | merged`, so a probe touches
/// one cache line. Load factor ≤ 3/4 (the table is memory-bound; smaller is faster).
struct MergeTable: Sendable {
    private var slots: [UInt64]  // 2 × capacity: key, value, key, value, …; `empty` keys mark free slots
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while 3 * size < 4 * max(capacity, 1) { size <<= 1 }
        slots = [UInt64](repeating: Self.empty, count: 2 * size)
        mask = size - 1
    }

    @inline(__always) private static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    /// Adds a rule; a pair already present is overwritten (like Hugging Face, the last listing of a pair wins).
    mutating func insert(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        let value = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
        var slot = Self.hash(key) & mask
        while slots[2 * slot] != Self.empty {
            if slots[2 * slot] == key {
                slots[2 * slot + 1] = value
                return
            }
            slot = (slot + 1) & mask
        }
        slots[2 * slot] = key
        slots[2 * slot + 1] = value
        count += 1
    }

    /// `(rank, merged)` for the pair, or nil.
    @inline(__always) func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        return slots.withUnsafeBufferPointer { s in
            var slot = Self.hash(key) & mask
            while true {
                let stored = s[2 * slot]
                if stored == key {
                    let v = s[2 * slot + 1]
                    return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
                }
                if stored == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }
}
