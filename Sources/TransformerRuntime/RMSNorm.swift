import LinearAlgebraCore

/// Root-mean-square normalization of each row (or each `groupSize`-wide group of a row):
///
///     y = x / √(mean(x²) + ε) · γ
///
/// γ is the effective scale: LLaMA stores γ = w; Gemma stores w and applies (1 + w), which the loader folds
/// into γ (Gemma GGUF files already hold 1 + w).
public struct RMSNorm: Normalization, Equatable {
    /// γ, one value per normalized feature.
    public var gamma: [Float]
    public var eps: Float

    public init(gamma: [Float], eps: Float) {
        self.gamma = gamma
        self.eps = eps
    }

    /// Normalizes every consecutive group of `gamma.count` features of every row of `x` (rows × k·gamma.count),
    /// so the same γ serves a whole row (hidden states) or each head of a row (Gemma 3's q/k norms).
    public func forward(_ x: Matrix<Float>, parallelism: Parallelism = .serial) -> Matrix<Float> {
        var y = x
        apply(to: &y, parallelism: parallelism)
        return y
    }

    public var parameterCount: Int { gamma.count }

    /// In-place form of ``forward(_:parallelism:)``; rows split over `parallelism`.
    public func apply(to x: inout Matrix<Float>, parallelism: Parallelism) {
        let n = gamma.count, width = x.cols
        precondition(width % n == 0, "RMSNorm: \(width) columns do not split into groups of \(n)")
        gamma.withUnsafeBufferPointer { g in
            x.withRowRanges(parallelism: parallelism) { rows, base in
                for grp in stride(from: rows.lowerBound * width, to: rows.upperBound * width, by: n) {
                    let row = base + grp
                    let inv = 1 / (VectorMath.sumOfSquares(row, count: n) / Float(n) + eps).squareRoot()
                    VectorMath.normalize(row, scale: inv, gamma: g.baseAddress!, into: row, count: n)
                }
            }
        }
    }
}

/// A per-row normalization layer (RMSNorm or LayerNorm), as the final norm of a ``CausalLM``.
public protocol Normalization: Sendable {
    /// Normalizes every row of `x` in place, rows split over `parallelism`.
    func apply(to x: inout Matrix<Float>, parallelism: Parallelism)
    var parameterCount: Int { get }
}

extension Normalization {
    public func apply(to x: inout Matrix<Float>) { apply(to: &x, parallelism: .serial) }
}

/// Layer normalization of each row (OPT):  y = (x − mean(x)) / √(var(x) + ε) · γ + β  (biased variance).
public struct LayerNorm: Normalization, Equatable {
    public var gamma: [Float]
    public var beta: [Float]
    public var eps: Float

    public init(gamma: [Float], beta: [Float], eps: Float) {
        precondition(gamma.count == beta.count)
        self.gamma = gamma
        self.beta = beta
        self.eps = eps
    }

    public var parameterCount: Int { 2 * gamma.count }

    public func forward(_ x: Matrix<Float>, parallelism: Parallelism = .serial) -> Matrix<Float> {
        var y = x
        apply(to: &y, parallelism: parallelism)
        return y
    }

    public func apply(to x: inout Matrix<Float>, parallelism: Parallelism) {
        let n = gamma.count
        precondition(x.cols == n, "LayerNorm: \(x.cols) columns, \(n) features")
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                x.withRowRanges(parallelism: parallelism) { rows, base in
                    for i in rows {
                        let row = base + i * n
                        let mean = VectorMath.sum(row, count: n) / Float(n)
                        var v: Float = 0
                        for j in 0..<n { v += (row[j] - mean) * (row[j] - mean) }
                        let inv = 1 / (v / Float(n) + eps).squareRoot()
                        VectorMath.normalize(row, shift: mean, scale: inv, gamma: g.baseAddress!, beta: b.baseAddress!,
                                             into: row, count: n)
                    }
                }
            }
        }
    }
}
