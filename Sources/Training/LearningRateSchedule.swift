/// Linear warm-up then linear decay to 0, as transformers' `get_linear_schedule_with_warmup` (the schedule of
/// LLM-Pruner's LoRA): the rate of optimizer step s (0-based) of `total` is
///
///     lr · s / w                          s < w
///     lr · max(0, (total − s) / (total − w))   otherwise
///
/// (so with w > 0 the first step has rate 0, as there).
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public func rate(atStep s: Int) -> Double {
        if s < warmupSteps { return peak * Double(s) / Double(Swift.max(1, warmupSteps)) }
        return peak * Swift.max(0, Double(totalSteps - s) / Double(Swift.max(1, totalSteps - warmupSteps)))
    }
}
