import LinearAlgebraCore

/// ``gemmBlocked`` with its macro-kernel loops spread over the workers of `parallelism`.
///
/// - Enough rows (⌈m/MR⌉ ≥ 2·threads): the rows of C are cut into about four chunks per worker (multiples of
///   MR). For each (jc, pc) the workers pack the shared B panel cooperatively (disjoint micro-panels), then each
///   takes the next unclaimed row chunk, packs its A blocks into its own workspace and runs the macro-kernel on
///   them, until none is left: a worker the OS holds back (a shared machine) costs its chunk, not its share.
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
    let chunkCount = Swift.min(rowTiles, 4 * workers)
    let rowChunks = (0..<chunkCount).map { q in
        Swift.min(m, q * rowTiles / chunkCount * blk.mr)..<Swift.min(m, (q + 1) * rowTiles / chunkCount * blk.mr)
    }
    let mcMax = Swift.min(blk.mc, roundUp(m, blk.mr)), kcMax = Swift.min(blk.kc, k)
    let ncMax = Swift.min(blk.nc, roundUp(n, blk.nr))
    // Shared: the packed B panel (kc × nc in NR-wide micro-panels). Per worker: its A block and edge tile.
    let shared = GEMMBuffers<T>(workspace: Workspace(), aCount: 0, bCount: kcMax * ncMax, tileCount: 0)
    let own = (0..<workers).map { _ in
        GEMMBuffers<T>(workspace: Workspace(), aCount: mcMax * kcMax, bCount: 0, tileCount: blk.mr * blk.nr)
    }
    let kcStep = GEMMBlocking.balanced(k, block: blk.kc)
    for jc in stride(from: 0, to: n, by: blk.nc) {
        let cols = jc..<Swift.min(n, jc + blk.nc)
        let panels = (cols.count + blk.nr - 1) / blk.nr
        for pc in stride(from: 0, to: k, by: kcStep) {
            let depth = pc..<Swift.min(k, pc + kcStep)
            parallelism.forEach(Swift.min(workers, panels)) { w in
                let q0 = w * panels / Swift.min(workers, panels), q1 = (w + 1) * panels / Swift.min(workers, panels)
                let sub = (jc + q0 * blk.nr)..<Swift.min(cols.upperBound, jc + q1 * blk.nr)
                packB(transB, b, depth: depth, cols: sub, nr: blk.nr, into: shared.b + q0 * blk.nr * depth.count)
            }
            let betaHere: T = pc == 0 ? beta : 1
            Parallelism(threads: workers).forEachDynamic(chunkCount) { q, w in
                let buffers = own[w], chunk = rowChunks[q]
                let mcStep = GEMMBlocking.balanced(chunk.count, block: blk.mc, multiple: blk.mr)
                for ic in stride(from: chunk.lowerBound, to: chunk.upperBound, by: mcStep) {
                    let rows = ic..<Swift.min(chunk.upperBound, ic + mcStep)
                    packA(transA, a, rows: rows, depth: depth, mr: blk.mr, into: buffers.a)
                    macroKernel(kernel, blk, rows: rows.count, cols: cols.count, kc: depth.count,
                                packedA: buffers.a, packedB: shared.b,
                                c: c.base + ic * c.rowStride + jc, ldc: c.rowStride,
                                alpha: alpha, beta: betaHere, tile: buffers.tile)
                }
            }
        }
    }
}

