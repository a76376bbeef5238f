/// The hyperparameters of a LoRA fine-tuning run (the defaults are LLM-Pruner's, which SVD-LLM's `LoRA.py` uses:
/// r 8, α 16, dropout 0.05, lr 10⁻⁴, batch 64 in micro-batches of 4, cutoff 256, 2 epochs, 100 warm-up steps).
public struct FineTuneOptions: Sendable, Codable, Equatable {
    public var rank = 8
    public var alpha = 16.0
    public var dropout = 0.05
    /// `--target` (``AdapterTarget``); nil: u,v for a model with low-rank linears, all for a dense one.
    public var target: String?
    /// nil: sequential for a model with low-rank linears, joint for a dense one.
    public var order: TrainingOrder?
    public var epochs = 2
    /// Optimizer steps per phase; overrides `epochs` (the data is cycled).
    public var maxSteps: Int?
    public var learningRate = 1e-4
    /// Examples per optimizer step.
    public var batchSize = 64
    /// Examples per forward/backward pass (the gradient accumulates over batchSize / microBatchSize of them).
    public var microBatchSize = 4
    public var warmupSteps = 100
    public var weightDecay = 0.0
    /// Global gradient-norm clipping (0: none).
    public var maxGradNorm = 1.0
    /// Validation every this many steps of a phase (nil: at the start and at the end of each phase only).
    public var evalSteps: Int?
    /// A training checkpoint every this many steps (nil: only when a phase ends).
    public var saveSteps: Int?
    public var seed: UInt64 = 42

    public init() {}

    /// Throws for values no run can use, naming the option.
    public func validate() throws(TrainingError) {
        func check(_ ok: Bool, _ name: String, _ reason: String) throws(TrainingError) {
            if !ok { throw .invalidArgument(name: name, reason: reason) }
        }
        try check(rank >= 1, "--lora-r", "must be ≥ 1 (got \(rank))")
        try check(alpha > 0 && alpha.isFinite, "--lora-alpha", "must be > 0 (got \(alpha))")
        try check((0..<1).contains(dropout), "--lora-dropout", "must be in [0, 1) (got \(dropout))")
        try check(epochs >= 1, "--epochs", "must be ≥ 1 (got \(epochs))")
        try check((maxSteps ?? 1) >= 1, "--max-steps", "must be ≥ 1 (got \(maxSteps ?? 0))")
        try check(learningRate > 0 && learningRate.isFinite, "--lr", "must be > 0 (got \(learningRate))")
        try check(microBatchSize >= 1, "--micro-batch-size", "must be ≥ 1 (got \(microBatchSize))")
        try check(batchSize >= microBatchSize, "--batch-size",
                  "must be ≥ --micro-batch-size \(microBatchSize) (got \(batchSize))")
        try check(warmupSteps >= 0, "--warmup-steps", "must be ≥ 0 (got \(warmupSteps))")
        try check(weightDecay >= 0, "--weight-decay", "must be ≥ 0 (got \(weightDecay))")
        try check(maxGradNorm >= 0, "--max-grad-norm", "must be ≥ 0 (got \(maxGradNorm))")
        try check((evalSteps ?? 1) >= 1, "--eval-steps", "must be ≥ 1 (got \(evalSteps ?? 0))")
        try check((saveSteps ?? 1) >= 1, "--save-steps", "must be ≥ 1 (got \(saveSteps ?? 0))")
    }

    /// What decides the trajectory (everything but how often it is evaluated or saved), as sorted-key JSON.
    var trajectoryDescription: String {
        var o = self
        o.evalSteps = nil
        o.saveSteps = nil
        return jsonText(o)
    }
}
