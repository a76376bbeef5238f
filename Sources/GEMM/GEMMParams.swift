import LinearAlgebraCore

/// Tunables of the blocked GEMM. Defaults come from the host's cache sizes; tests override them
/// (tiny blocks) to reach every edge path.
public struct GEMMParams: Sendable, Equatable {
    /// Rows of A packed per L2 block (multiple of the micro-kernel's MR); 0 = from the cache size.
    public var mc: Int = 0
    /// Depth of a packed panel (the shared k dimension) per L1 block; 0 = from the cache size.
    public var kc: Int = 0
    /// Columns of B packed per L3 block (multiple of NR); 0 = from the cache size.
    public var nc: Int = 0
    /// Below this many flops (2mnk), `.parallel` runs on one thread.
    public var parallelFlopThreshold: Double = 4e6

    public init(mc: Int = 0, kc: Int = 0, nc: Int = 0, parallelFlopThreshold: Double = 4e6) {
        self.mc = mc
        self.kc = kc
        self.nc = nc
        self.parallelFlopThreshold = parallelFlopThreshold
    }

    public static let `default` = GEMMParams()
}
