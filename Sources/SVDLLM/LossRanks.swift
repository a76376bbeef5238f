/// The outcome of ``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)``.
public struct LossAllocation: Sendable, Equatable {
    /// The rank of every compressed matrix; a matrix absent stays dense.
    public var ranks: [MatrixKey: Int]
    /// The decoder-linear weights the allocation keeps: Σ_low-rank r(m + n) + Σ_dense m·n (≤ ``budget``).
    public var parameters: Int
    /// ⌊(1 − R)·Σ m·n⌋.
    public var budget: Int
    /// Σ_W (Σ_{k>r_W} σ_k²)/c_W: the normalized loss the greedy minimized (0 for dense matrices).
    public var normalizedLoss: Double
    /// Σ_W Σ_{k>r_W} σ_k²: the predicted output loss per token, summed over the matrices.
    public var rawLoss: Double
}

/// A global rank allocation from the whitened spectra alone (issue #18): the ranks r_W of all decoder matrices
/// minimize the normalized truncation loss
///
///     Σ_W (Σ_{k>r_W} σ_k(W·S)²) / c_W        subject to   Σ_W cost_W(r_W) ≤ B = ⌊(1 − R)·Σ_W m·n⌋,
///
/// where cost_W(r) = r·(m + n) for the factors W_u (m × r), W_v (r × n), or m·n when W stays dense, and c_W is the
/// ``LossNormalization``. Σ_{k>r} σ_k² is the output loss of a rank-r truncation under SVD-LLM's whitening
/// (Wang et al. 2024, Theorem 3.2), so no forward pass is needed.
///
/// Greedy by marginal gain per parameter: every matrix starts at its least rank; then, repeatedly, the step with the
/// largest (loss removed)/(parameters added) among all matrices is taken if it fits the budget, and that matrix's
/// steps end if it does not. A step raises r by one (gain σ_{r+1}²/c_W, cost m + n), except that the step reaching
/// r_dense = ⌈m·n/(m + n)⌉ — the first rank whose factors cost at least the dense matrix — makes W dense instead
/// (gain: its whole remaining tail, cost m·n − r·(m + n)). Each matrix's gains fall with r (σ is descending), so when
/// all steps cost the same and no matrix turns dense the greedy is optimal (the B/(m+n) largest σ_k²/c_W are kept).
/// The steps end when none fits: the budget is missed by less than one step of the largest matrix.
///
/// With ``BudgetScope/type`` each kind of linear has its own budget ⌊(1 − R)·Σ m·n⌋ over its matrices, and the
/// greedy runs within each kind (``budget`` is then the sum of the kinds' budgets).
///
/// Guards, fractions of k = min(m, n): ⌈`minRankFraction`·k⌉ ≤ r ≤ ⌊`maxRankFraction`·k⌋ (and r ≥ 1); a matrix
/// turns dense only when `maxRankFraction`·k ≥ r_dense.
///
/// - Throws: ``CompressionError/invalidArgument(name:reason:)`` naming `ratio`, `minRankFraction` or
///   `maxRankFraction` when out of range, or `minRankFraction` when its least ranks alone exceed the budget;
///   `spectra` when a spectrum has fewer than min(m, n) values.
public func lossRanks(_ spectra: [MatrixKey: WhitenedSpectrum], ratio: Double,
                      normalization: LossNormalization = .relative, scope: BudgetScope = .global,
                      minRankFraction: Double = 0, maxRankFraction: Double = 1) throws(CompressionError) -> LossAllocation {
    guard ratio.isFinite, ratio > 0, ratio < 1 else {
        throw .invalidArgument(name: "ratio", reason: "must be in (0, 1), got \(ratio)")
    }
    try checkRankFractions(min: minRankFraction, max: maxRankFraction)
    guard scope == .type else {
        return try greedyLossRanks(spectra, scales: lossScales(spectra, normalization: normalization), ratio: ratio,
                                   minRankFraction: minRankFraction, maxRankFraction: maxRankFraction)
    }
    let scales = Dictionary(uniqueKeysWithValues: zip(spectra.keys.sorted(), lossScales(spectra, normalization: normalization)))
    var merged = LossAllocation(ranks: [:], parameters: 0, budget: 0, normalizedLoss: 0, rawLoss: 0)
    for name in Set(spectra.keys.map(\.name)).sorted() {
        let part = spectra.filter { $0.key.name == name }
        let a = try greedyLossRanks(part, scales: part.keys.sorted().map { scales[$0]! }, ratio: ratio,
                                    minRankFraction: minRankFraction, maxRankFraction: maxRankFraction)
        merged.ranks.merge(a.ranks) { x, _ in x }
        merged.parameters += a.parameters
        merged.budget += a.budget
        merged.normalizedLoss += a.normalizedLoss
        merged.rawLoss += a.rawLoss
    }
    return merged
}

/// The greedy of ``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)`` over `spectra` with one
/// budget, c_W given in the sorted order of the keys.
func greedyLossRanks(_ spectra: [MatrixKey: WhitenedSpectrum], scales scale: [Double], ratio: Double,
                     minRankFraction: Double, maxRankFraction: Double) throws(CompressionError) -> LossAllocation {
    let keys = spectra.keys.sorted()
    for key in keys {
        let s = spectra[key]!
        guard s.singularValues.count == Swift.min(s.rows, s.cols), s.singularValues.allSatisfy(\.isFinite) else {
            throw .invalidArgument(name: "spectra", reason: "layer \(key.layer) \(key.name): need all min(m, n) = \(Swift.min(s.rows, s.cols)) finite singular values, got \(s.singularValues.count)")
        }
    }
    let total = keys.reduce(0) { $0 + spectra[$1]!.rows * spectra[$1]!.cols }
    let budget = Int((Double(total) * (1 - ratio)).rounded(.down))

    // Per matrix: squares of σ, their suffix sums (tail[r] = Σ_{k>r} σ_k²), the rank bounds.
    struct State {
        var m: Int, n: Int, squares: [Double], tail: [Double], cap: Int, denseAt: Int, denseAllowed: Bool
        var rank: Int, dense: Bool, open: Bool
        var parameters: Int { dense ? m * n : rank * (m + n) }
    }
    var states: [State] = keys.map { key in
        let s = spectra[key]!
        let k = Swift.min(s.rows, s.cols)
        let squares = s.singularValues.map { $0 * $0 }
        var tail = [Double](repeating: 0, count: k + 1)
        for r in stride(from: k - 1, through: 0, by: -1) { tail[r] = tail[r + 1] + squares[r] }
        let denseAt = (s.rows * s.cols + s.rows + s.cols - 1) / (s.rows + s.cols)
        let low = Swift.max(1, Int((minRankFraction * Double(k)).rounded(.up)))
        let cap = Swift.max(low, Swift.min(k, Int((maxRankFraction * Double(k)).rounded(.down))))
        let denseAllowed = cap >= denseAt
        let dense = denseAllowed && low >= denseAt
        return State(m: s.rows, n: s.cols, squares: squares, tail: tail, cap: cap, denseAt: denseAt,
                     denseAllowed: denseAllowed, rank: low, dense: dense, open: !dense)
    }
    var spent = states.reduce(0) { $0 + $1.parameters }
    guard spent <= budget else {
        throw .invalidArgument(name: "minRankFraction", reason: "the least ranks it allows keep \(spent) parameters, more than the budget \(budget) of ratio \(ratio)")
    }
    /// The next step of matrix t: (gain, cost, turns dense); nil when it has none.
    func step(_ s: State, _ c: Double) -> (gain: Double, cost: Int, dense: Bool)? {
        guard s.open, !s.dense else { return nil }
        if s.denseAllowed && s.rank + 1 >= s.denseAt {
            return (s.tail[s.rank] / c, s.m * s.n - s.rank * (s.m + s.n), true)
        }
        guard s.rank < s.cap else { return nil }
        return (s.squares[s.rank] / c, s.m + s.n, false)
    }
    while true {
        var best: (t: Int, gain: Double, cost: Int, dense: Bool)?
        for t in states.indices {
            guard let s = step(states[t], scale[t]) else { continue }
            // Largest gain per parameter; ties to the earlier matrix (keys are sorted): deterministic.
            if let b = best, s.gain * Double(b.cost) <= b.gain * Double(s.cost) { continue }
            best = (t, s.gain, s.cost, s.dense)
        }
        guard let b = best else { break }
        if spent + b.cost > budget {
            states[b.t].open = false
            continue
        }
        spent += b.cost
        if b.dense { states[b.t].dense = true } else { states[b.t].rank += 1 }
    }
    var ranks: [MatrixKey: Int] = [:]
    var normalized = 0.0, raw = 0.0
    for (t, key) in keys.enumerated() where !states[t].dense {
        let s = states[t]
        ranks[key] = s.rank
        raw += s.tail[s.rank]
        normalized += s.tail[s.rank] / scale[t]
    }
    return LossAllocation(ranks: ranks, parameters: spent, budget: budget, normalizedLoss: normalized, rawLoss: raw)
}

/// Throws unless 0 ≤ `min` ≤ `max` ≤ 1 and `max` > 0 (errors name `minRankFraction` / `maxRankFraction`).
func checkRankFractions(min: Double, max: Double) throws(CompressionError) {
    guard min.isFinite, min >= 0, min <= 1 else {
        throw .invalidArgument(name: "minRankFraction", reason: "must be in [0, 1], got \(min)")
    }
    guard max.isFinite, max > 0, max <= 1 else {
        throw .invalidArgument(name: "maxRankFraction", reason: "must be in (0, 1], got \(max)")
    }
    guard min <= max else {
        throw .invalidArgument(name: "minRankFraction", reason: "must be at most maxRankFraction (\(max)), got \(min)")
    }
}

/// c_W of every matrix, in the sorted order of `spectra`'s keys (``LossNormalization``); a zero sum counts as 1.
func lossScales(_ spectra: [MatrixKey: WhitenedSpectrum], normalization: LossNormalization) -> [Double] {
    let keys = spectra.keys.sorted()
    var byLayer: [Int: Double] = [:], byType: [String: Double] = [:]
    for key in keys {
        let e = spectra[key]!.totalSquares
        byLayer[key.layer, default: 0] += e
        byType[key.name, default: 0] += e
    }
    return keys.map { key in
        let c: Double
        switch normalization {
        case .raw: c = 1
        case .relative: c = spectra[key]!.totalSquares
        case .layer: c = byLayer[key.layer]!
        case .type: c = byType[key.name]!
        }
        return c > 0 ? c : 1
    }
}
