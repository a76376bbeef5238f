/// The paper's rank for an m × n matrix at compression ratio R (the fraction of parameters removed):
///
///     r = ⌊ m·n·(1 − R) / (m + n) ⌋
///
/// so that the factors W_u (m × r) and W_v (r × n) hold at most (1 − R)·m·n parameters. Evaluated in Double
/// in the same order as the official code, `int(m * n * ratio / (m + n))` with ratio = 1 − R.
public func truncationRank(rows m: Int, cols n: Int, ratio: Double) -> Int {
    precondition(m > 0 && n > 0)
    let kept = 1 - ratio
    return Int((Double(m * n) * kept / Double(m + n)).rounded(.down))
}
