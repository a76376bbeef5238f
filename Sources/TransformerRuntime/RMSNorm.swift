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
    public func forward(_ x: Matrix<Float>) -> Matrix<Float> {
        var y = x
        apply(to: &y)
        return y
    }

    public var parameterCount: Int { gamma.count }

    /// In-place form of ``forward(_:)``.
    public func apply(to x: inout Matrix<Float>) {
        let n = gamma.count
        precondition(x.cols % n == 0, "RMSNorm: \(x.cols) columns do not split into groups of \(n)")
        let groups = x.rows * (x.cols / n)
        x.elements.withUnsafeMutableBufferPointer { e in
            gamma.withUnsafeBufferPointer { g in
                for grp in 0..<groups {
                    let row = e.baseAddress! + grp * n
                    var ss: Float = 0
                    for j in 0..<n { ss += row[j] * row[j] }
                    let inv = 1 / (ss / Float(n) + eps).squareRoot()
                    for j in 0..<n { row[j] = row[j] * inv * g[j] }
                }
            }
        }
    }
}

/// A per-row normalization layer (RMSNorm or LayerNorm), as the final norm of a ``CausalLM``.
public protocol Normalization: Sendable {
    func apply(to x: inout Matrix<Float>)
    var parameterCount: Int { get }
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

    public func forward(_ x: Matrix<Float>) -> Matrix<Float> {
        var y = x
        apply(to: &y)
        return y
    }

    public func apply(to x: inout Matrix<Float>) {
        let n = gamma.count
        precondition(x.cols == n, "LayerNorm: \(x.cols) columns, \(n) features")
        x.elements.withUnsafeMutableBufferPointer { e in
            for i in 0..<x.rows {
                let row = e.baseAddress! + i * n
                var mean: Float = 0
                for j in 0..<n { mean += row[j] }
                mean /= Float(n)
                var v: Float = 0
                for j in 0..<n { v += (row[j] - mean) * (row[j] - mean) }
                let inv = 1 / (v / Float(n) + eps).squareRoot()
                for j in 0..<n { row[j] = (row[j] - mean) * inv * gamma[j] + beta[j] }
            }
        }
    }
}
