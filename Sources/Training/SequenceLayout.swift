/// The sequences of a micro-batch laid end to end as the rows of one matrix (no padding): sequence s occupies
/// rows `offsets[s]..<offsets[s + 1]`, and its row `offsets[s] + t` is at position t.
///
/// The linears run once on all rows; attention and RoPE work per sequence.
public struct SequenceLayout: Sendable, Equatable {
    /// count + 1 increasing row offsets, the first 0.
    public let offsets: [Int]

    /// Sequences of the given lengths (each ≥ 1), in order.
    public init(lengths: [Int]) {
        precondition(lengths.allSatisfy { $0 > 0 }, "SequenceLayout: empty sequence")
        var o = [0]
        for l in lengths { o.append(o.last! + l) }
        offsets = o
    }

    public var count: Int { offsets.count - 1 }
    /// Total rows Σ lengths.
    public var rows: Int { offsets.last! }
    public func range(_ s: Int) -> Range<Int> { offsets[s]..<offsets[s + 1] }
    public func length(_ s: Int) -> Int { offsets[s + 1] - offsets[s] }

    /// Position of every row within its sequence.
    public var positions: [Int] {
        var p = [Int]()
        p.reserveCapacity(rows)
        for s in 0..<count { p.append(contentsOf: 0..<length(s)) }
        return p
    }

    /// Σ lengthₛ²: the score entries attention keeps per head.
    public var squaredLengthSum: Int { (0..<count).reduce(0) { $0 + length($1) * length($1) } }
}
