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
    /// Below this many flops (2mnk), `.parallel` runs on one thread.
    public var parallelFlopThreshold: Double = 4e6
    /// Below this many flops (2kL for L outputs), the GEMV path (m = 1 or n = 1) runs on one thread.
    public var parallelGEMVFlopThreshold: Double = 1e6
    /// The register-tile kernel; nil = ``GEMMMicroKernel/host`` (AVX-512 where the CPU has it, else AVX2).
    public var microKernel: GEMMMicroKernel? = nil
    /// The macro-kernel's loop order (and the blocking that goes with it); nil = ``GEMMLoopOrder/default(for:)``.
    public var loopOrder: GEMMLoopOrder? = nil

    public init(mc: Int = 0, kc: Int = 0, nc: Int = 0, parallelFlopThreshold: Double = 4e6,
                parallelGEMVFlopThreshold: Double = 1e6, microKernel: GEMMMicroKernel? = nil,
                loopOrder: GEMMLoopOrder? = nil) {
        self.mc = mc
        self.kc = kc
        self.nc = nc
        self.parallelFlopThreshold = parallelFlopThreshold
        self.parallelGEMVFlopThreshold = parallelGEMVFlopThreshold
        self.microKernel = microKernel
        self.loopOrder = loopOrder
    }

    public static let `default` = GEMMParams()
}
