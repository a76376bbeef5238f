/// How an axis maps data values to positions.
public enum AxisScale: Sendable, Equatable {
    /// Position proportional to the value; ticks at 1, 2 or 5 × 10^k steps.
    case linear
    /// Position proportional to log₁₀(value); ticks at the powers of ten (1, 10, 100, …). Values ≤ 0 are
    /// not drawn.
    case log
    /// Named categories at x = 0, 1, …, count − 1 (each series gives the category index as its x); one tick
    /// per category, labelled with its name. For bar charts of things that are not numbers (methods, phases).
    case categories([String])
}
