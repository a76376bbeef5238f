import Testing
import LinearAlgebraCore
@testable import Tokenizers

/// Random merge tables over a small alphabet, random words: the heap loop equals the naive one.
@Test func heapMergeMatchesNaive() {
    var rng = SeededGenerator(seed: 17)
    for trial in 0..<40 {
        let alphabet = 2 + trial % 5
        var table = MergeTable(capacity: 64)
        var nextID = Int32(alphabet)
        var rank: Int32 = 0
        for _ in 0..<(10 + trial) {
            let l = Int32(rng.next() % UInt64(nextID)), r = Int32(rng.next() % UInt64(nextID))
            table.insert(left: l, right: r, rank: rank, merged: nextID)
            rank += 1
            nextID += 1
        }
        for _ in 0..<20 {
            let n = Int(rng.next() % 40)
            let word = (0..<n).map { _ in Int32(rng.next() % UInt64(alphabet)) }
            var a = word, b = word
            bpeMerge(&a, table: table, variant: .naive)
            bpeMerge(&b, table: table, variant: .heap)
            #expect(a == b, "trial \(trial) word \(word)")
        }
    }
}

@Test(arguments: BPEMergeVariant.allCases)
func mergesApplyLowestRankLeftmostFirst(variant: BPEMergeVariant) {
    // a=0 b=1; rules: (a,a)→2 rank 0, (2,a)→3 rank 1, (a,b)→4 rank 2.
    var t = MergeTable(capacity: 4)
    t.insert(left: 0, right: 0, rank: 0, merged: 2)
    t.insert(left: 2, right: 0, rank: 1, merged: 3)
    t.insert(left: 0, right: 1, rank: 2, merged: 4)
    var w: [Int32] = [0, 0, 0, 1]  // aaab → (aa)ab → ((aa)a)b
    bpeMerge(&w, table: t, variant: variant)
    #expect(w == [3, 1])
    var v: [Int32] = [0, 0, 0, 0, 0]  // aaaaa → (aa)(aa)a → ((aa)a)? no: (aa)(aa)a then (2,a) at the right
    bpeMerge(&v, table: t, variant: variant)
    #expect(v == [2, 3])
    // Re-inserting a pair overwrites it (the last listing wins).
    t.insert(left: 0, right: 0, rank: 9, merged: 2)
    #expect(t.lookup(0, 0)! == (9, 2))
    #expect(t.lookup(1, 1) == nil)
}

@Test func byteLevelAlphabetIsAReversibleSpelling() {
    #expect(ByteLevelAlphabet.scalars[0x20] == "Ġ")
    #expect(ByteLevelAlphabet.scalars[0x0A] == "Ċ")
    #expect(ByteLevelAlphabet.scalars[Int(UInt8(ascii: "a"))] == "a")
    #expect(Set(ByteLevelAlphabet.scalars).count == 256)
    let all = (0...255).map { UInt8($0) }
    #expect(ByteLevelAlphabet.bytes(of: ByteLevelAlphabet.spell(all)) == all)
    #expect(ByteLevelAlphabet.bytes(of: "日") == nil)
}
