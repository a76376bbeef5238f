import LinearAlgebraCore

/// ``gemmBlocked`` with its macro-kernel loops spread over the workers of `parallelism`.
///
/// - Enough rows (⌈m/MR⌉ ≥ 2·threads): the rows of C are split into one contiguous range per worker (multiples
///   of MR). For each column block jc the workers first pack op(B)[0..<k, jc] — every KC-deep panel of it —
///   cooperatively (disjoint micro-panels) into one shared buffer; then each worker runs all the depth blocks pc on
///   its rows, packing its own A blocks into its own workspace. Two hand-offs per column block, not two per
///   (jc, pc): each one wakes the workers and waits for the slowest, which at 512³ in Double (≈ 3 ms on two
///   threads) cost a measurable share. The column block is narrowed so the shared buffer stays within
///   ``sharedPanelBytes(_:)`` of L3.
/// - Few rows: the columns of C (multiples of NR) are split and each worker runs ``gemmBlocked`` on its slice.
/// - One row or column: the GEMV kernels, parallel over outputs.
/// Below `params.parallelFlopThreshold` flops (2mnk) it runs on the calling thread.
func gemmParallel<T: GEMMKernelScalar>(
    _ transA: Transpose, _ a: MatrixView<T>, _ transB: Transpose, _ b: MatrixView<T>,
    _ c: MutableMatrixView<T>, alpha: T, beta: T, parallelism: Parallelism, params: GEMMParams
) {
    let m = c.rows, n = c.cols, k = transA == .none ? a.cols : a.rows
    if gemmTrivial(m: m, n: n, k: k, c, alpha: alpha, beta: beta) { return }
    if m == 1 || n == 1 {
        gemv(transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: parallelism, params: params)
        return
    }
    let flops = 2 * Double(m) * Double(n) * Double(k)
    if parallelism.isSerial || flops < params.parallelFlopThreshold {
        gemmBlocked(transA, a, transB, b, c, alpha: alpha, beta: beta, params: params, workspace: Workspace())
        return
    }
    let kernel = params.microKernel ?? .host
    let blk = GEMMBlocking(T.self, kernel: kernel, params: params)
    let rowTiles = (m + blk.mr - 1) / blk.mr
    if rowTiles < 2 * parallelism.threads {
        // Few rows: independent column slices of C and op(B).
        parallelism.forEachRange(n, granule: blk.nr) { cols in
            let bSlice = transB == .none ? b.block(rows: 0..<b.rows, cols: cols)
                                         : b.block(rows: cols, cols: 0..<b.cols)
            gemmBlocked(transA, a, transB, bSlice, c.block(rows: 0..<m, cols: cols), alpha: alpha, beta: beta,
                        params: params, workspace: Workspace())
        }
        return
    }
    let workers = Swift.min(parallelism.threads, rowTiles)
    let rowRanges = (0..<workers).map { w in
        Swift.min(m, w * rowTiles / workers * blk.mr)..<Swift.min(m, (w + 1) * rowTiles / workers * blk.mr)
    }
    let kcStep = GEMMBlocking.balanced(k, block: blk.kc)
    // Column block: NC, or fewer columns so that all k rows of it packed fit the shared budget (≥ NR).
    let budgetCols = sharedPanelBytes(CPUInfo.host) / (k * MemoryLayout<T>.stride) / blk.nr * blk.nr
    let ncStep = Swift.min(blk.nc, Swift.max(blk.nr, budgetCols))
    let ncMax = Swift.min(ncStep, roundUp(n, blk.nr))
    let mcMax = Swift.min(blk.mc, roundUp(m, blk.mr)), kcMax = Swift.min(blk.kc, k)
    // Shared: op(B)[0..<k, jc block] packed, depth block by depth block: the block starting at depth pc is
    // (its depth) × ncMax in NR-wide micro-panels, at offset pc · ncMax. Per worker: its A block and edge tile.
    let shared = GEMMBuffers<T>(workspace: Workspace(), aCount: 0, bCount: k * ncMax, tileCount: 0)
    let own = (0..<workers).map { _ in
        GEMMBuffers<T>(workspace: Workspace(), aCount: mcMax * kcMax, bCount: 0, tileCount: blk.mr * blk.nr)
    }
    for jc in stride(from: 0, to: n, by: ncStep) {
        let cols = jc..<Swift.min(n, jc + ncStep)
        let panels = (cols.count + blk.nr - 1) / blk.nr
        let packers = Swift.min(workers, panels)
        let padded = panels * blk.nr
        parallelism.forEach(packers) { w in
            let q0 = w * panels / packers, q1 = (w + 1) * panels / packers
            let sub = (jc + q0 * blk.nr)..<Swift.min(cols.upperBound, jc + q1 * blk.nr)
            for pc in stride(from: 0, to: k, by: kcStep) {
                let depth = pc..<Swift.min(k, pc + kcStep)
                packB(transB, b, depth: depth, cols: sub, nr: blk.nr,
                      into: shared.b + pc * padded + q0 * blk.nr * depth.count)
            }
        }
        parallelism.forEach(workers) { w in
            let buffers = own[w]
            let mine = rowRanges[w]
            let mcStep = GEMMBlocking.balanced(mine.count, block: blk.mc, multiple: blk.mr)
            for pc in stride(from: 0, to: k, by: kcStep) {
                let depth = pc..<Swift.min(k, pc + kcStep)
                let betaHere: T = pc == 0 ? beta : 1
                for ic in stride(from: mine.lowerBound, to: mine.upperBound, by: mcStep) {
                    let rows = ic..<Swift.min(mine.upperBound, ic + mcStep)
                    packA(transA, a, rows: rows, depth: depth, mr: blk.mr, into: buffers.a)
                    macroKernel(kernel, blk, rows: rows.count, cols: cols.count, kc: depth.count,
                                packedA: buffers.a, packedB: shared.b + pc * padded,
                                c: c.base + ic * c.rowStride + jc, ldc: c.rowStride,
                                alpha: alpha, beta: betaHere, tile: buffers.tile)
                }
            }
        }
    }
}

/// The most bytes the shared packed B of ``gemmParallel`` may take: a quarter of L3, at least 1 MiB.
func sharedPanelBytes(_ cpu: CPUInfo) -> Int { Swift.max(1 << 20, cpu.l3Bytes / 4) }
