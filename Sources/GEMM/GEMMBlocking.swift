import LinearAlgebraCore

/// The cache blocking of the blocked GEMM: KC × NR of B plus MR × KC of A fill most of L1,
/// MC × KC of A about half of L2, KC × NC of B a share of L3.
///
/// Defaults come from ``CPUInfo`` and the micro-kernel's MR × NR; non-zero ``GEMMParams`` fields override them
/// (tests use tiny blocks to reach every edge). MC is rounded to a multiple of MR and NC to a multiple of NR.
struct GEMMBlocking: Equatable {
    let mr: Int
    let nr: Int
    let mc: Int
    let kc: Int
    let nc: Int

    init<T: LinalgScalar>(_: T.Type, kernel: GEMMMicroKernel, params: GEMMParams, cpu: CPUInfo = .host) {
        let size = MemoryLayout<T>.stride
        mr = kernel.mr
        nr = kernel.nr(for: T.self)
        // L1: the B micro-panel (kc × nr) and the A micro-panel (mr × kc) take ≈ 3/4 of L1d.
        let kcAuto = Swift.max(32, (cpu.l1dBytes * 3 / 4) / ((mr + nr) * size) / 32 * 32)
        let kcUsed = params.kc > 0 ? params.kc : kcAuto
        // L2: the packed A block (mc × kc) takes ≈ 1/2 of L2.
        let mcAuto = Swift.max(mr, (cpu.l2Bytes / 2) / (kcUsed * size) / mr * mr)
        let mcUsed = params.mc > 0 ? params.mc : mcAuto
        // L3: the packed B panel (kc × nc) takes ≈ 1/4 of L3, capped (a larger panel gains nothing).
        let ncAuto = Swift.min(4096, Swift.max(nr, (cpu.l3Bytes / 4) / (kcUsed * size))) / nr * nr
        let ncUsed = params.nc > 0 ? params.nc : ncAuto
        kc = kcUsed
        mc = Swift.max(mr, (mcUsed + mr - 1) / mr * mr)
        nc = Swift.max(nr, (ncUsed + nr - 1) / nr * nr)
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
