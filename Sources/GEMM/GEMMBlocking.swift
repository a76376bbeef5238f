import LinearAlgebraCore

/// The cache blocking of the blocked GEMM, for the macro-kernel's loop order (``GEMMLoopOrder``):
///
/// `rowsOuter` (one MR × KC micro-panel of A stays in L1 while a KC × ncInL2 slice of the B panel streams past it):
/// - KC: the A micro-panel (MR × KC) takes ≈ 3/8 of L1d, the rest is for the streaming B micro-panel.
///   A long KC also means fewer passes over C (each pass reads and writes every tile).
/// - MC: the packed A block (MC × KC) takes ≈ 1/4 of L2, so it is still in L2 when the macro-kernel reads it.
/// - ncInL2: the slice of B (KC × ncInL2) takes ≈ 3/8 of L2, so the A micro-panels of the block read it from L2, and
///   B comes from L3 once per A block. (Sweeping the whole panel for every micro-panel read ≈ 0.7 byte per flop from
///   L3 in Double: ≈ 55 GB/s for two cores at 40 GFLOP/s each.)
///
/// `columnsOuter` (BLIS: one KC × NR micro-panel of B stays in L1 while the MC × KC block of A streams from L2):
/// - KC: the B micro-panel (KC × NR) takes ≈ 1/2 of L1d, the rest is for the streaming A micro-panel.
/// - MC: the packed A block (MC × KC) takes ≈ 1/2 of L2 (it is the only thing streamed from L2).
///
/// Both: NC: the packed B panel (KC × NC) takes ≈ 1/8 of L3 (shared by the threads of `.parallel`), capped at
/// 4096.
///
/// Defaults come from ``CPUInfo`` and the micro-kernel's MR × NR; non-zero ``GEMMParams`` fields override them
/// (tests use tiny blocks to reach every edge). MC is rounded to a multiple of MR and NC to a multiple of NR.
public struct GEMMBlocking: Sendable, Equatable, CustomStringConvertible {
    /// The micro-kernel's tile: MR rows × NR columns of C.
    public let mr: Int
    public let nr: Int
    /// Rows of A per packed block, depth per packed panel, columns of B per packed panel.
    public let mc: Int
    public let kc: Int
    public let nc: Int
    /// `rowsOuter`: columns of the B panel swept at a time (a multiple of NR, at most NC).
    public let ncInL2: Int
    /// The macro-kernel's loop order these blocks are sized for.
    public let order: GEMMLoopOrder

    public var description: String {
        "MR×NR \(mr)×\(nr), MC \(mc), KC \(kc), NC \(nc) (\(ncInL2) in L2), \(order.rawValue)"
    }

    public init<T: LinalgScalar>(_: T.Type, kernel: GEMMMicroKernel, params: GEMMParams, cpu: CPUInfo = .host) {
        let size = MemoryLayout<T>.stride
        mr = kernel.mr
        nr = kernel.nr(for: T.self)
        order = params.loopOrder
        let kcAuto: Int, mcShare: Int   // MC × KC takes 1/mcShare of L2
        switch order {
        case .rowsOuter:
            kcAuto = Swift.max(64, (cpu.l1dBytes * 3 / 8) / (mr * size) / 64 * 64)
            mcShare = 4
        case .columnsOuter:
            kcAuto = Swift.max(64, (cpu.l1dBytes / 2) / (nr * size) / 64 * 64)
            mcShare = 2
        }
        let kcUsed = params.kc > 0 ? params.kc : kcAuto
        let mcAuto = Swift.max(mr, (cpu.l2Bytes / mcShare) / (kcUsed * size) / mr * mr)
        let mcUsed = params.mc > 0 ? params.mc : mcAuto
        let ncAuto = Swift.min(4096, Swift.max(nr, (cpu.l3Bytes / 8) / (kcUsed * size))) / nr * nr
        let ncUsed = params.nc > 0 ? params.nc : ncAuto
        kc = kcUsed
        mc = Swift.max(mr, (mcUsed + mr - 1) / mr * mr)
        nc = Swift.max(nr, (ncUsed + nr - 1) / nr * nr)
        let ncInL2Auto = Swift.max(nr, (cpu.l2Bytes * 3 / 8) / (kcUsed * size) / nr * nr)
        let ncInL2Used = params.ncInL2 > 0 ? (params.ncInL2 + nr - 1) / nr * nr : ncInL2Auto
        ncInL2 = order == .rowsOuter ? Swift.min(nc, ncInL2Used) : nc
    }

    /// The block size for `n` items when blocks may be at most `block` and must be multiples of `multiple`
    /// (except the last): the same number of blocks as ⌈n/block⌉, made as equal as possible. A remainder block of
    /// 64 after two of 256 in k would pay the C write-back of a full block for a quarter of the work.
    static func balanced(_ n: Int, block: Int, multiple: Int = 1) -> Int {
        guard n > block else { return block }
        let count = (n + block - 1) / block
        let even = (n + count - 1) / count
        return Swift.min(block, (even + multiple - 1) / multiple * multiple)
    }
}

extension GEMMParams {
    /// The micro-kernel and block sizes these params give for scalar `T` on this host (for reports).
    public func resolved<T: LinalgScalar>(for _: T.Type) -> (microKernel: GEMMMicroKernel, blocking: GEMMBlocking) {
        let kernel = microKernel ?? .host
        return (kernel, GEMMBlocking(T.self, kernel: kernel, params: self))
    }
}
