/// Tunables of the blocked triangular solve. Tests override them (tiny blocks) to reach every edge path.
public struct TriangularSolveParams: Sendable, Equatable {
    /// Order of the largest diagonal block solved by substitution (recursion stops at or below it); ≥ 1.
    public var blockSize: Int
    /// Right-hand sides (columns for `.left`, rows for `.right`) per parallel task, at least.
    public var parallelGranule: Int
    /// Below this many flops (n²·nrhs) the solve runs on one thread.
    public var parallelFlopThreshold: Double

    public init(blockSize: Int = 32, parallelGranule: Int = 16, parallelFlopThreshold: Double = 2e6) {
        precondition(blockSize >= 1 && parallelGranule >= 1, "TriangularSolveParams: sizes must be ≥ 1")
        self.blockSize = blockSize
        self.parallelGranule = parallelGranule
        self.parallelFlopThreshold = parallelFlopThreshold
    }

    public static let `default` = TriangularSolveParams()
}
