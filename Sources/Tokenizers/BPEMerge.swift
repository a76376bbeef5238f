/// How the BPE merge loop is run. Both apply, until none applies, the lowest-ranked merge among adjacent
/// symbol pairs, leftmost first among equal ranks — Hugging Face `tokenizers`' order.
public enum BPEMergeVariant: String, CaseIterable, Sendable {
    /// Rescan every adjacent pair after each merge: O(n²) per word. The reference.
    case naive
    /// A binary min-heap of candidate pairs keyed by (rank, position) over a doubly linked list of
    /// symbols; stale entries are dropped when popped. O(n log n) per word.
    case heap
}

/// Runs the merges of `table` over the symbol ids in `symbols` (in place).
func bpeMerge(_ symbols: inout [Int32], table: MergeTable, variant: BPEMergeVariant) {
    guard symbols.count >= 2 else { return }
    switch variant {
    case .naive: bpeMergeNaive(&symbols, table: table)
    case .heap: bpeMergeHeap(&symbols, table: table)
    }
}

func bpeMergeNaive(_ symbols: inout [Int32], table: MergeTable) {
    while symbols.count >= 2 {
        var best: (rank: Int32, merged: Int32)? = nil
        var at = -1
        for i in 0..<(symbols.count - 1) {
            if let m = table.lookup(symbols[i], symbols[i + 1]), best == nil || m.rank < best!.rank {
                best = m
                at = i
            }
        }
        guard let m = best else { return }
        symbols[at] = m.merged
        symbols.remove(at: at + 1)
    }
}

/// The heap variant. Heap entries pack `rank << 32 | position`, so the smallest entry is the lowest rank,
/// leftmost. An entry is stale when its left symbol is gone, has no right neighbour, or the current pair at
/// that position has a different rank (ranks identify pairs).
func bpeMergeHeap(_ symbols: inout [Int32], table: MergeTable) {
    let n = symbols.count
    var ids = symbols  // n; ids[i] < 0 once symbol i was merged into its left neighbour
    var next = [Int32](unsafeUninitializedCapacity: n) { b, c in
        for i in 0..<n { b[i] = Int32(i + 1) }
        b[n - 1] = -1
        c = n
    }
    var prev = [Int32](unsafeUninitializedCapacity: n) { b, c in
        for i in 0..<n { b[i] = Int32(i - 1) }
        c = n
    }
    var heap: [UInt64] = []
    heap.reserveCapacity(n)

    func push(_ e: UInt64) {
        heap.append(e)
        var c = heap.count - 1
        while c > 0 {
            let p = (c - 1) >> 1
            if heap[p] <= heap[c] { break }
            heap.swapAt(p, c)
            c = p
        }
    }
    func pop() -> UInt64 {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var p = 0
            let m = heap.count
            while true {
                let l = 2 * p + 1
                if l >= m { break }
                var c = l
                if l + 1 < m, heap[l + 1] < heap[l] { c = l + 1 }
                if heap[p] <= heap[c] { break }
                heap.swapAt(p, c)
                p = c
            }
        }
        return top
    }

    for i in 0..<(n - 1) {
        if let m = table.lookup(ids[i], ids[i + 1]) { push(UInt64(UInt32(m.rank)) << 32 | UInt64(i)) }
    }
    while !heap.isEmpty {
        let e = pop()
        let pos = Int(e & 0xFFFF_FFFF)
        let rank = Int32(truncatingIfNeeded: e >> 32)
        guard ids[pos] >= 0 else { continue }
        let r = Int(next[pos])
        guard r >= 0, let m = table.lookup(ids[pos], ids[r]), m.rank == rank else { continue }
        // Merge r into pos.
        ids[pos] = m.merged
        ids[r] = -1
        let rr = next[r]
        next[pos] = rr
        if rr >= 0 { prev[Int(rr)] = Int32(pos) }
        let l = Int(prev[pos])
        if l >= 0, let lm = table.lookup(ids[l], ids[pos]) { push(UInt64(UInt32(lm.rank)) << 32 | UInt64(l)) }
        if rr >= 0, let rm = table.lookup(ids[pos], ids[Int(rr)]) {
            push(UInt64(UInt32(rm.rank)) << 32 | UInt64(pos))
        }
    }
    symbols.removeAll(keepingCapacity: true)
    var i = 0
    while i >= 0 {
        symbols.append(ids[i])
        i = Int(next[i])
    }
}
