import LinearAlgebraCore

/// Tunables of the blocked symmetric rank-k update (``syrk(_:into:alpha:beta:variant:parallelism:params:)``).
/// Zero fields mean "from the host's caches and the micro-kernel"; tests override them (tiny depths, tiles and pack
/// budgets) to reach every path.
public struct SYRKParams: Sendable, Equatable {
    /// Depth (rows of A) per packed slab; 0 = the blocked GEMM's KC (``GEMMBlocking``).
    public var kc: Int = 0
    /// Rows and columns of C per macro-tile (one task), rounded up to a multiple of lcm(MR, NR); 0 = the GEMM's
    /// `ncInL2` (the KC × tile slice of packed columns stays in L2 while each MR-row micro-panel sweeps it).
    public var tile: Int = 0
    /// Most bytes of packed A (both layouts) held at once; more rows of A are packed and multiplied in chunks.
    /// 0 = max(4 MiB, L3 / 2).
    public var packBudgetBytes: Int = 0
    /// Below this many flops (n²·k), `.parallel` runs on one thread.
    public var parallelFlopThreshold: Double = 4e6
    /// The register-tile kernel; nil = ``GEMMMicroKernel/host``.
    public var microKernel: GEMMMicroKernel? = nil

    public init(kc: Int = 0, tile: Int = 0, packBudgetBytes: Int = 0, parallelFlopThreshold: Double = 4e6,
                microKernel: GEMMMicroKernel? = nil) {
        precondition(kc >= 0 && tile >= 0 && packBudgetBytes >= 0, "SYRKParams: sizes must be ≥ 0")
        self.kc = kc
        self.tile = tile
        self.packBudgetBytes = packBudgetBytes
        self.parallelFlopThreshold = parallelFlopThreshold
        self.microKernel = microKernel
    }

    public static let `default` = SYRKParams()
}
