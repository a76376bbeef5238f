import LinearAlgebraCore

/// ``gemmBlocked`` with its macro-kernel loops spread over the workers of `parallelism`.
///
/// - Enough rows (⌈m/MR⌉ ≥ 2·threads): for each column block jc, the workers first pack op(B)[0..<k, jc] — every
///   KC-deep panel of it — into one shared buffer (tasks: disjoint runs of micro-panels); then the rows of C are cut
///   into blocks of at most MC rows (multiples of MR, at least 4 per worker) and each task runs all the depth blocks
///   pc on its rows, packing its A blocks into its worker's workspace. Two hand-offs per column block, not two per
///   (jc, pc).
/// - Few rows: the columns of C (multiples of NR) are cut into slices and each task runs ``gemmBlocked`` on one.
/// - One row or column: the GEMV kernels, parallel over outputs.
/// Tasks are claimed dynamically (``Parallelism/forEachTask(_:_:)``): a worker that starts late — common for the
/// second thread of `concurrentPerform` on Linux, and on a busy machine — takes what is left instead of leaving its
/// fixed half to run after the caller's. The column block is narrowed so the shared buffer stays within
/// ``sharedPanelBytes(_:)``. Below `params.parallelFlopThreshold` flops (2mnk) it runs on the calling thread.
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
    let threads = parallelism.threads
    let rowTiles = (m + blk.mr - 1) / blk.mr
    if rowTiles < 2 * threads {
        // Few rows: independent column slices of C and op(B), at least 4 per worker (each packs all of A, which is
        // small here).
        let panels = (n + blk.nr - 1) / blk.nr
        let slices = Swift.min(panels, 4 * threads)
        parallelism.forEachTask(slices) { s, _ in
            let cols = Swift.min(n, s * panels / slices * blk.nr)..<Swift.min(n, (s + 1) * panels / slices * blk.nr)
            let bSlice = transB == .none ? b.block(rows: 0..<b.rows, cols: cols)
                                         : b.block(rows: cols, cols: 0..<b.cols)
            gemmBlocked(transA, a, transB, bSlice, c.block(rows: 0..<m, cols: cols), alpha: alpha, beta: beta,
                        params: params, workspace: Workspace())
        }
        return
    }
    let workers = Swift.min(threads, rowTiles)
    // Row blocks: at most MC rows, multiples of MR, at least 4 per worker, as equal as possible.
    let perTask = Swift.min(blk.mc, roundUp((m + 4 * workers - 1) / (4 * workers), blk.mr))
    let mcStep = GEMMBlocking.balanced(m, block: perTask, multiple: blk.mr)
    let rowBlocks = (m + mcStep - 1) / mcStep
    let kcStep = GEMMBlocking.balanced(k, block: blk.kc)
    // Column block: NC, or fewer columns so that all k rows of it packed fit the shared budget (≥ NR).
    let budgetCols = sharedPanelBytes(CPUInfo.host) / (k * MemoryLayout<T>.stride) / blk.nr * blk.nr
    let ncStep = Swift.min(blk.nc, Swift.max(blk.nr, budgetCols))
    let ncMax = Swift.min(ncStep, roundUp(n, blk.nr))
    let kcMax = Swift.min(blk.kc, k)
    // Shared: op(B)[0..<k, jc block] packed, depth block by depth block: the block starting at depth pc is
    // (its depth) × ncMax in NR-wide micro-panels, at offset pc · ncMax. Per worker: its A block and edge tile.
    let shared = GEMMBuffers<T>(workspace: Workspace(), aCount: 0, bCount: k * ncMax, tileCount: 0)
    let own = (0..<workers).map { _ in
        GEMMBuffers<T>(workspace: Workspace(), aCount: mcStep * kcMax, bCount: 0, tileCount: blk.mr * blk.nr)
    }
    for jc in stride(from: 0, to: n, by: ncStep) {
        let cols = jc..<Swift.min(n, jc + ncStep)
        let panels = (cols.count + blk.nr - 1) / blk.nr
        let padded = panels * blk.nr
        let packTasks = Swift.min(panels, 4 * workers)
        parallelism.forEachTask(packTasks) { t, _ in
            let q0 = t * panels / packTasks, q1 = (t + 1) * panels / packTasks
            let sub = (jc + q0 * blk.nr)..<Swift.min(cols.upperBound, jc + q1 * blk.nr)
            for pc in stride(from: 0, to: k, by: kcStep) {
                let depth = pc..<Swift.min(k, pc + kcStep)
                packB(transB, b, depth: depth, cols: sub, nr: blk.nr,
                      into: shared.b + pc * padded + q0 * blk.nr * depth.count)
            }
        }
        Parallelism(threads: workers).forEachTask(rowBlocks) { r, w in
            let buffers = own[w]
            let rows = (r * mcStep)..<Swift.min(m, (r + 1) * mcStep)
            for pc in stride(from: 0, to: k, by: kcStep) {
                let depth = pc..<Swift.min(k, pc + kcStep)
                packA(transA, a, rows: rows, depth: depth, mr: blk.mr, into: buffers.a)
                macroKernel(kernel, blk, rows: rows.count, cols: cols.count, kc: depth.count,
                            packedA: buffers.a, packedB: shared.b + pc * padded,
                            c: c.base + rows.lowerBound * c.rowStride + jc, ldc: c.rowStride,
                            alpha: alpha, beta: pc == 0 ? beta : 1, tile: buffers.tile)
            }
        }
    }
}

/// The most bytes the shared packed B of ``gemmParallel`` may take: a quarter of L3, at least 1 MiB.
func sharedPanelBytes(_ cpu: CPUInfo) -> Int { Swift.max(1 << 20, cpu.l3Bytes / 4) }
