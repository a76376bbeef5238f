/// A decoder matrix: block index and linear name.
public struct MatrixKey: Hashable, Sendable, Codable, Comparable {
    public var layer: Int
    public var name: String
    public init(layer: Int, name: String) {
        self.layer = layer
        self.name = name
    }
    public static func < (a: MatrixKey, b: MatrixKey) -> Bool { (a.layer, a.name) < (b.layer, b.name) }
}

/// The rank that keeps the fraction p of an m × n matrix's parameters: ⌊m·n·p/(m + n)⌋, at least 1
/// (``truncationRank(rows:cols:ratio:)`` with R = 1 − p; ASVD's `compressed_params // (in + out)`).
public func keptFractionRank(rows m: Int, cols n: Int, fraction p: Double) -> Int {
    Swift.max(1, truncationRank(rows: m, cols: n, ratio: 1 - p))
}

/// ASVD's truncation rank search over a sensitivity list:
///
///     sort the candidates (matrix, p, ppl) by ppl, the most harmful first;
///     leaving out the first k of them, every matrix takes the smallest p among its remaining candidates
///     (rank ⌊m·n·p/(m+n)⌋), or stays dense when none remains;
///     k = the largest value whose parameters Σ r(m + n) + Σ_dense m·n fit the budget (1 − R)·Σ m·n.
///
/// The parameters grow with k (each left-out candidate can only raise a matrix's p or leave it dense), so k is found
/// by bisection. ASVD's own loop stops at the first k over the budget and keeps it; here the budget is a bound, as the
/// ratio promises (R of the parameters removed at least). Returns the rank of every compressed matrix; a matrix
/// absent from the result stays dense. Ties in ppl keep the list's order (the sort is stable).
public func sensitivityRanks(_ sensitivities: [TruncationSensitivity], shapes: [MatrixKey: (rows: Int, cols: Int)],
                             ratio: Double) -> [MatrixKey: Int] {
    let order = sensitivities.indices.sorted {
        let a = sensitivities[$0].perplexity, b = sensitivities[$1].perplexity
        return a != b ? a > b : $0 < $1  // NaN never compares greater: a NaN candidate sorts as harmless, so
    }                                      // sensitivities are checked finite by the caller.
    let total = shapes.values.reduce(0) { $0 + $1.rows * $1.cols }
    let budget = Double(total) * (1 - ratio)
    func allocation(leavingOut k: Int) -> (ranks: [MatrixKey: Int], parameters: Int) {
        var fraction: [MatrixKey: Double] = [:]
        for t in order[k...] {
            let s = sensitivities[t], key = MatrixKey(layer: s.layer, name: s.name)
            fraction[key] = Swift.min(fraction[key] ?? 1, s.keptFraction)
        }
        var ranks: [MatrixKey: Int] = [:]
        var parameters = 0
        for (key, shape) in shapes {
            if let p = fraction[key], p < 1 {
                let r = keptFractionRank(rows: shape.rows, cols: shape.cols, fraction: p)
                ranks[key] = r
                parameters += r * (shape.rows + shape.cols)
            } else {
                parameters += shape.rows * shape.cols
            }
        }
        return (ranks, parameters)
    }
    // Largest k in 0...order.count with parameters(k) ≤ budget (k = 0 takes every candidate's smallest p).
    var lo = 0, hi = order.count
    guard Double(allocation(leavingOut: 0).parameters) <= budget else { return allocation(leavingOut: 0).ranks }
    while lo < hi {
        let mid = (lo + hi + 1) / 2
        if Double(allocation(leavingOut: mid).parameters) <= budget { lo = mid } else { hi = mid - 1 }
    }
    return allocation(leavingOut: lo).ranks
}
