import LinearAlgebraCore
import TransformerRuntime

/// What one block's forward keeps for its backward, for one micro-batch of N rows (``SequenceLayout``):
///
///     input, normedInput, middle, normedMLP      N × hidden each
///     q, attention                               N × heads·D each (q after RoPE)
///     k, v                                       N × kvHeads·D each (k after RoPE)
///     gate, up                                   N × intermediate each (before the activation)
///     probabilities                              heads · Σₛ Lₛ²
///     the norms' 1/rms                           N per norm
///     each linear's ``TrainableLinear/Saved``    N × r for a low-rank layer whose u factor is adapted,
///                                                N × r_LoRA per adapter
///     Gemma 3 only: q, k before their norms (N × (heads + kvHeads)·D) and the o, down outputs before their
///     post-norms (2 · N × hidden)
///
/// The MLP's hidden layer act(gate) ⊙ up (the down projection's input) is recomputed in the backward when an
/// adapter needs it, not kept.
public struct BlockActivations<T: TrainingScalar>: Sendable {
    public var input: Matrix<T>
    public var inputRstd: [T]
    public var normedInput: Matrix<T>
    public var queryBeforeNorm: Matrix<T>?, queryRstd: [T]?
    public var keyBeforeNorm: Matrix<T>?, keyRstd: [T]?
    public var q: Matrix<T>, k: Matrix<T>, v: Matrix<T>
    public var probabilities: [T]
    public var attention: Matrix<T>
    public var attentionOutput: Matrix<T>?, attentionOutputRstd: [T]?
    public var middle: Matrix<T>
    public var mlpRstd: [T]
    public var normedMLP: Matrix<T>
    public var gate: Matrix<T>, up: Matrix<T>
    public var mlpOutput: Matrix<T>?, mlpOutputRstd: [T]?
    public var saved: [LinearName: TrainableLinear<T>.Saved]

    /// Elements held (the memory formula above, counted).
    public var elementCount: Int {
        let matrices: [Matrix<T>?] = [input, normedInput, queryBeforeNorm, keyBeforeNorm, q, k, v, attention,
                                      attentionOutput, middle, normedMLP, gate, up, mlpOutput]
        let vectors: [[T]?] = [inputRstd, queryRstd, keyRstd, attentionOutputRstd, mlpRstd, mlpOutputRstd]
        return matrices.reduce(0) { $0 + ($1?.elements.count ?? 0) } + vectors.reduce(0) { $0 + ($1?.count ?? 0) }
            + probabilities.count + saved.values.reduce(0) { $0 + $1.elementCount }
    }
}
