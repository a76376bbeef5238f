/// The round-robin tournament ("chess" / circle method) schedule of all pairs of n players.
///
/// Players 0..<n (plus a dummy when n is odd) sit at positions; each step pairs position i with position
/// N−1−i, then every position but the first moves one place. After N−1 steps (N = n rounded up to even) every
/// pair has met exactly once, and the pairs of a step are disjoint, so they can be processed in parallel.
struct RoundRobinOrdering {
    let n: Int
    /// n rounded up to even; player `n` (when present) is the dummy.
    let slots: Int
    private var positions: [Int]

    init(_ n: Int) {
        self.n = n
        self.slots = n + (n & 1)
        self.positions = Array(0..<slots)
    }

    var steps: Int { Swift.max(slots - 1, 0) }

    /// The real pairs (p < q) of the current step, written into `pairs`.
    func pairs(into pairs: inout [(Int, Int)]) {
        pairs.removeAll(keepingCapacity: true)
        for i in 0..<(slots / 2) {
            let a = positions[i], b = positions[slots - 1 - i]
            if a < n && b < n { pairs.append((Swift.min(a, b), Swift.max(a, b))) }
        }
    }

    /// Moves to the next step (position 0 fixed, the others rotate by one).
    mutating func advance() {
        guard slots > 2 else { return }
        let last = positions[slots - 1]
        var i = slots - 1
        while i > 1 {
            positions[i] = positions[i - 1]
            i -= 1
        }
        positions[1] = last
    }
}
