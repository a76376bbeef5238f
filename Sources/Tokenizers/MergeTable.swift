/// The BPE merge rules as a hash table: (left id, right id) → (rank, merged id).
///
/// Lower rank merges first. Open addressing with linear probing over a power-of-two table; the key packs
/// `left << 32 | right`, the value `rank << 32 | merged`. Load factor ≤ 1/2.
struct MergeTable: Sendable {
    private var keys: [UInt64]  // capacity, `empty` marks a free slot
    private var values: [UInt64]  // capacity
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < 2 * max(capacity, 1) { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    /// Adds a rule; a pair already present is overwritten (like Hugging Face, the last listing of a pair wins).
    mutating func insert(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var slot = Self.hash(key) & mask
        while keys[slot] != Self.empty {
            if keys[slot] == key {
                values[slot] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
                return
            }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
        count += 1
    }

    /// `(rank, merged)` for the pair, or nil.
    @inline(__always) func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        return keys.withUnsafeBufferPointer { k in
            var slot = Self.hash(key) & mask
            while true {
                let stored = k[slot]
                if stored == key {
                    let v = values[slot]
                    return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
                }
                if stored == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }
}
