/// How the BPE merge loop is run. Both apply, until none applies, the lowest-ranked merge among adjacent
/// symbol pairs, leftmost first among equal ranks — Hugging Face `tokenizers`' order.
public enum BPEMergeVariant: String, CaseIterable, Sendable {
    /// Rescan every adjacent pair after each merge: O(n²) per word. The reference.
    case naive
    /// A binary min-heap of candidate pairs keyed by (rank, position) over a doubly linked list of
    /// symbols; stale entries are dropped when popped. O(n log n) per word.
    case heap
    /// `naive` for words of at most `adaptiveHeapThreshold` symbols (cheaper there), else `heap`.
    case adaptive

    static let adaptiveHeapThreshold = 24
}

/// Reusable buffers for the merge loop (one per encoding call; not shared between threads). The memo
/// remembers answers of one `MergeTable`: never reuse a scratch with another table.
struct BPEScratch {
    var next: [Int32] = []
    var prev: [Int32] = []
    var heap: [UInt64] = []
    var memo = PairMemo()
}

/// A small direct-mapped cache in front of `MergeTable.lookup`: the merge table of a large vocabulary
/// (Gemma: ~515k rules, 16 MB) misses the caches on nearly every probe, while the pairs met in text are
/// few and frequent. Each slot holds a packed pair key and its packed answer (`UInt64.max`: no rule).
/// A class over one raw allocation, so that handing it to the merge loop never copies it.
final class PairMemo {
    static let slots = 1 << 14
    private let storage: UnsafeMutablePointer<UInt64>  // 2 × slots: key, answer, key, answer, …

    init() {
        storage = .allocate(capacity: 2 * Self.slots)
        for k in 0..<Self.slots {
            storage[2 * k] = UInt64.max
            storage[2 * k + 1] = 0
        }
    }

    deinit { storage.deallocate() }

    @inline(__always) func lookup(_ l: Int32, _ r: Int32, in table: MergeTable) -> (rank: Int32, merged: Int32)? {
        let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
        let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 50) & (Self.slots - 1)
        var v: UInt64
        if storage[2 * slot] == key {
            v = storage[2 * slot + 1]
        } else {
            if let m = table.lookup(l, r) {
                v = UInt64(UInt32(bitPattern: m.rank)) << 32 | UInt64(UInt32(bitPattern: m.merged))
            } else {
                v = UInt64.max
            }
            storage[2 * slot] = key
            storage[2 * slot + 1] = v
        }
        if v == UInt64.max { return nil }
        return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
    }
}

/// Something that answers "which merge, if any, joins this pair": the table itself or a memo in front of it.
protocol PairLookup {
    mutating func lookup(_ l: Int32, _ r: Int32) -> (rank: Int32, merged: Int32)?
}

extension MergeTable: PairLookup {}

/// `PairMemo` in front of a `MergeTable`.
struct MemoizedTable: PairLookup {
    let memo: PairMemo
    let table: MergeTable
    @inline(__always) mutating func lookup(_ l: Int32, _ r: Int32) -> (rank: Int32, merged: Int32)? {
        memo.lookup(l, r, in: table)
    }
}

/// Runs the merges of `table` over the symbol ids in `symbols` (in place).
func bpeMerge(_ symbols: inout [Int32], table: MergeTable, variant: BPEMergeVariant) {
    var scratch = BPEScratch()
    bpeMerge(&symbols, table: table, variant: variant, scratch: &scratch)
}

func bpeMerge(_ symbols: inout [Int32], table: MergeTable, variant: BPEMergeVariant, scratch: inout BPEScratch) {
    guard symbols.count >= 2 else { return }
    switch variant {
    case .naive:
        var t = table
        bpeMergeNaive(&symbols, lookup: &t)
    case .heap, .adaptive:
        var memoized = MemoizedTable(memo: scratch.memo, table: table)
        if variant == .adaptive, symbols.count <= BPEMergeVariant.adaptiveHeapThreshold {
            bpeMergeNaive(&symbols, lookup: &memoized)
        } else {
            bpeMergeHeap(&symbols, lookup: &memoized, scratch: &scratch)
        }
    }
}

func bpeMergeNaive<L: PairLookup>(_ symbols: inout [Int32], lookup table: inout L) {
    while symbols.count >= 2 {
        var bestRank = Int32.max
        var bestMerged: Int32 = 0
        var at = -1
        for i in 0..<(symbols.count - 1) {
            if let m = table.lookup(symbols[i], symbols[i + 1]), m.rank < bestRank {
                bestRank = m.rank
                bestMerged = m.merged
                at = i
            }
        }
        guard at >= 0 else { return }
        symbols[at] = bestMerged
        symbols.remove(at: at + 1)
    }
}

/// The heap variant. Heap entries pack `rank << 32 | position`, so the smallest entry is the lowest rank,
/// leftmost. An entry is stale when its left symbol is gone, has no right neighbour, or the current pair at
/// that position has a different rank (ranks identify pairs).
func bpeMergeHeap<L: PairLookup>(_ symbols: inout [Int32], lookup memo: inout L, scratch: inout BPEScratch) {
    let n = symbols.count
    scratch.next.removeAll(keepingCapacity: true)
    scratch.prev.removeAll(keepingCapacity: true)
    scratch.heap.removeAll(keepingCapacity: true)
    for i in 0..<n {
        scratch.next.append(i + 1 < n ? Int32(i + 1) : -1)
        scratch.prev.append(Int32(i - 1))
    }
    scratch.heap.reserveCapacity(2 * n)
    var kept = n
    symbols.withUnsafeMutableBufferPointer { ids in  // n; ids[i] < 0 once symbol i was merged into its left
        scratch.next.withUnsafeMutableBufferPointer { next in
            scratch.prev.withUnsafeMutableBufferPointer { prev in
                var heap = BinaryMinHeap(storage: scratch.heap)
                for i in 0..<(n - 1) {
                    if let m = memo.lookup(ids[i], ids[i + 1]) { heap.push(UInt64(UInt32(m.rank)) << 32 | UInt64(i)) }
                }
                while let e = heap.pop() {
                    let pos = Int(e & 0xFFFF_FFFF)
                    let rank = Int32(truncatingIfNeeded: e >> 32)
                    guard ids[pos] >= 0 else { continue }
                    let r = Int(next[pos])
                    guard r >= 0, let m = memo.lookup(ids[pos], ids[r]), m.rank == rank else { continue }
                    // Merge r into pos.
                    ids[pos] = m.merged
                    ids[r] = -1
                    let rr = next[r]
                    next[pos] = rr
                    if rr >= 0 { prev[Int(rr)] = Int32(pos) }
                    let l = Int(prev[pos])
                    if l >= 0, let lm = memo.lookup(ids[l], ids[pos]) { heap.push(UInt64(UInt32(lm.rank)) << 32 | UInt64(l)) }
                    if rr >= 0, let rm = memo.lookup(ids[pos], ids[Int(rr)]) {
                        heap.push(UInt64(UInt32(rm.rank)) << 32 | UInt64(pos))
                    }
                }
                scratch.heap = heap.storage
                // Compact the surviving symbols to the front (they stay in order).
                var w = 0
                for i in 0..<n where ids[i] >= 0 {
                    ids[w] = ids[i]
                    w += 1
                }
                kept = w
            }
        }
    }
    symbols.removeLast(n - kept)
}

/// A binary min-heap of packed `UInt64` keys.
struct BinaryMinHeap {
    var storage: [UInt64]

    @inline(__always) mutating func push(_ e: UInt64) {
        storage.append(e)
        storage.withUnsafeMutableBufferPointer { h in
            var c = h.count - 1
            while c > 0 {
                let p = (c - 1) >> 1
                if h[p] <= e { break }
                h[c] = h[p]
                c = p
            }
            h[c] = e
        }
    }

    @inline(__always) mutating func pop() -> UInt64? {
        guard let last = storage.popLast() else { return nil }
        if storage.isEmpty { return last }
        return storage.withUnsafeMutableBufferPointer { h in
            let top = h[0]
            let m = h.count
            var p = 0
            while true {
                let l = 2 * p + 1
                if l >= m { break }
                var c = l
                if l + 1 < m, h[l + 1] < h[l] { c = l + 1 }
                if last <= h[c] { break }
                h[p] = h[c]
                p = c
            }
            h[p] = last
            return top
        }
    }
}
