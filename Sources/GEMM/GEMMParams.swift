import LinearAlgebraCore

/// Tunables of the blocked GEMM. Defaults come from the host's cache sizes and SIMD width; tests override them
/// (tiny blocks, a forced micro-kernel) to reach every edge path.
public struct GEMMParams: Sendable, Equatable {
    /// Rows of A packed per L2 block (rounded up to a multiple of the micro-kernel's MR); 0 = from the cache size.
    public var mc: Int = 0
    /// Depth of a packed panel (the shared k dimension) per L1 block; 0 = from the cache size.
    public var kc: Int = 0
    /// Columns of B packed per L3 block (rounded up to a multiple of NR); 0 = from the cache size.
    public var nc: Int = 0
    /// `rowsOuter` only: columns of the packed B panel the macro-kernel sweeps at a time (rounded up to a multiple
    /// of NR), a KC × ncInL2 slice that stays in L2 while every A micro-panel of the block goes past it;
    /// 0 = from the L2 size.
    public var ncInL2: Int = 0
    /// Below this many flops (2mnk), `.parallel` runs on one thread.
    public var parallelFlopThreshold: Double = 4e6
    /// Below this many flops (2kL for L outputs), the GEMV path (m = 1 or n = 1) runs on one thread.
    public var parallelGEMVFlopThreshold: Double = 1e6
    /// The register-tile kernel; nil = ``GEMMMicroKernel/host`` (AVX-512 where the CPU has it, else AVX2).
    public var microKernel: GEMMMicroKernel? = nil
    /// The macro-kernel's loop order (and the blocking that goes with it).
    public var loopOrder: GEMMLoopOrder = .rowsOuter

    public init(mc: Int = 0, kc: Int = 0, nc: Int = 0, ncInL2: Int = 0, parallelFlopThreshold: Double = 4e6,
                parallelGEMVFlopThreshold: Double = 1e6, microKernel: GEMMMicroKernel? = nil,
                loopOrder: GEMMLoopOrder = .rowsOuter) {
        self.mc = mc
        self.kc = kc
        self.nc = nc
        self.ncInL2 = ncInL2
        self.parallelFlopThreshold = parallelFlopThreshold
        self.parallelGEMVFlopThreshold = parallelGEMVFlopThreshold
        self.microKernel = microKernel
        self.loopOrder = loopOrder
    }

    public static let `default` = GEMMParams()
}
