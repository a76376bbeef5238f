/// What ``gptq(weight:gram:sampleCount:params:name:parallelism:)`` returns: the quantized weights and the
/// bookkeeping of the run.
public struct GPTQResult: Sendable, Equatable {
    /// The codes, grids and (with act-order) the group of each column.
    public var weights: QuantizedWeights
    /// gptq.py's reported error Σ_{r,c} (w − q)² / (2 d²), w the error-compensated weight when column c was
    /// quantized and d = [U]_cc with UᵀU = (H + λI)⁻¹; equals ½·tr((W′ − Ŵ)(H + λI)(W′ − Ŵ)ᵀ) for W′ = W with
    /// the dead columns zeroed, up to rounding.
    public var loss: Double
    /// λ = percdamp · mean(diag H), the shift added to the diagonal of H.
    public var damping: Double
    /// Input columns with diag H = 0 (never activated): their weights were set to 0.
    public var deadColumns: [Int]
    /// With act-order: the order in which the columns were quantized (permutation[j] = original column).
    public var permutation: [Int]?

    public init(weights: QuantizedWeights, loss: Double, damping: Double, deadColumns: [Int], permutation: [Int]?) {
        self.weights = weights
        self.loss = loss
        self.damping = damping
        self.deadColumns = deadColumns
        self.permutation = permutation
    }
}
