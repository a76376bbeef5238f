import LinearAlgebraCore

/// C ← α·AᵀA + β·C on the lower triangle (A k × n of scalar S, C n × n of scalar T, the micro-kernel in K),
/// BLIS-style:
///
///     for each chunk of rows of A (at most the pack budget)
///       pack A[chunk, 0..<n] converted to K, slab by slab (KC rows), into MR-tall and NR-wide micro-panels
///                                                      (one pass over A; tasks: runs of columns)
///       for each macro-tile (I, J), J ≤ I, of tile × tile entries of C   (tasks, the largest first)
///         for each slab:  for ir in I by MR:  for jr in J while jr ≤ ir + MR − 1:
///           MR × NR micro-kernel (row panel ir, column panel jr); β on the first slab only (then 1)
///
/// With K = T a micro-tile entirely on or below the diagonal (jr + NR − 1 ≤ ir) is written by the micro-kernel;
/// one crossing the diagonal, or past the edge of C, goes through a scratch tile and only its entries with j ≤ i
/// are written (``writeBackLower``). So about n²k/2 + O(n·k·NR) multiply-adds, against the n²k of a full GEMM.
/// With K ≠ T (Float slabs into a Double C, ``SYRKAccumulation/floatSlabs``) every tile goes through the scratch
/// tile: each slab's K sums are converted to T and added into C.
///
/// Tasks are claimed dynamically (``Parallelism/forEachTask(_:_:)``); with `.serial` everything runs on the
/// calling thread (the `blocked` variant).
func syrkBlocked<S: LinalgScalar, K: GEMMKernelScalar, T: LinalgScalar>(
    _ a: MatrixView<S>, _ c: MutableMatrixView<T>, kernelScalar: K.Type, alpha: T, beta: T,
    parallelism: Parallelism, params: SYRKParams
) {
    let n = a.cols, k = a.rows
    if syrkTrivial(n: n, k: k, c, alpha: alpha, beta: beta) { return }
    let blk = SYRKBlocking(K.self, n: n, k: k, params: params, cBytes: MemoryLayout<T>.stride)
    let mr = blk.mr, nr = blk.nr, width = blk.paddedColumns
    let tasks = lowerMacroTiles(n: n, tile: blk.tile)
    let workers = Swift.min(parallelism.threads, Swift.max(1, tasks.count))
    let size = MemoryLayout<K>.stride
    let packedCount = Swift.min(blk.chunk, roundUp(k, blk.kc)) * width
    // Rows layout, columns layout (chunk × paddedColumns each, slab by slab), then one MR × NR scratch tile per
    // worker.
    let workspace = Workspace()
    let packedBytes = Workspace.roundUp(packedCount * size), tileBytes = Workspace.roundUp(mr * nr * size)
    workspace.reserve(bytes: 2 * packedBytes + workers * tileBytes)
    let rowsPacked = workspace.buffer(of: K.self, count: packedCount)
    let colsPacked = workspace.buffer(of: K.self, count: packedCount, offsetBytes: packedBytes)
    let scratch = (0..<workers).map {
        workspace.buffer(of: K.self, count: mr * nr, offsetBytes: 2 * packedBytes + $0 * tileBytes)
    }
    let units = (n + blk.granule - 1) / blk.granule
    let packTasks = Swift.min(units, 4 * workers)
    for chunkStart in stride(from: 0, to: k, by: blk.chunk) {
        let chunkEnd = Swift.min(k, chunkStart + blk.chunk)
        let slabs = Array(stride(from: chunkStart, to: chunkEnd, by: blk.kc))
        // Slab s (depth d ≤ KC) of a layout starts at s · KC · paddedColumns; in it, the panel holding column c0
        // starts at c0 · d.
        parallelism.forEachTask(packTasks) { t, _ in
            let c0 = t * units / packTasks * blk.granule, c1 = Swift.min(n, (t + 1) * units / packTasks * blk.granule)
            guard c0 < c1 else { return }
            for (s, p0) in slabs.enumerated() {
                let depth = p0..<Swift.min(chunkEnd, p0 + blk.kc), offset = s * blk.kc * width + c0 * depth.count
                packSYRK(a, depth: depth, cols: c0..<c1, mr: mr, nr: nr,
                         rows: rowsPacked + offset, columns: colsPacked + offset)
            }
        }
        let firstChunk = chunkStart == 0
        parallelism.forEachTask(tasks.count) { t, w in
            let (rows, cols) = tasks[t]
            for (s, p0) in slabs.enumerated() {
                let d = Swift.min(chunkEnd, p0 + blk.kc) - p0
                let slabRows = rowsPacked + s * blk.kc * width, slabCols = colsPacked + s * blk.kc * width
                let betaHere: T = firstChunk && s == 0 ? beta : 1
                for ir in stride(from: rows.lowerBound, to: rows.upperBound, by: mr) {
                    for jr in stride(from: cols.lowerBound, to: Swift.min(cols.upperBound, ir + mr), by: nr) {
                        syrkTile(blk.kernel, mr: mr, nr: nr, ir: ir, jr: jr, n: n, kc: d,
                                 rowPanel: slabRows + ir * d, columnPanel: slabCols + jr * d,
                                 c: c.base, ldc: c.rowStride, alpha: alpha, beta: betaHere, tile: scratch[w])
                    }
                }
            }
        }
    }
}

/// The macro-tiles (rows I, columns J) of `tile` × `tile` entries on and below the diagonal of an n × n C, the
/// largest amount of work first (full off-diagonal tiles, then the edge row, then the triangles on the diagonal),
/// so dynamically claimed tasks finish together.
func lowerMacroTiles(n: Int, tile: Int) -> [(rows: Range<Int>, cols: Range<Int>)] {
    let blocks = (n + tile - 1) / tile
    var tiles: [(rows: Range<Int>, cols: Range<Int>, work: Int)] = []
    for i in 0..<blocks {
        let rows = (i * tile)..<Swift.min(n, (i + 1) * tile)
        for j in 0...i {
            let cols = (j * tile)..<Swift.min(n, (j + 1) * tile)
            let work = i == j ? rows.count * (rows.count + 1) / 2 : rows.count * cols.count
            tiles.append((rows, cols, work))
        }
    }
    // Stable: equal work keeps row-major order.
    let order = tiles.indices.sorted { tiles[$0].work != tiles[$1].work ? tiles[$0].work > tiles[$1].work : $0 < $1 }
    return order.map { (tiles[$0].rows, tiles[$0].cols) }
}

/// The MR × NR tile of C at (ir, jr) from row panel `rowPanel` (kc × MR) and column panel `columnPanel` (kc × NR).
/// When K = T, a tile entirely on or below the diagonal and inside C is written by the micro-kernel; otherwise the
/// raw sums go to `tile` (MR × NR scratch) and only the entries with j ≤ i inside C are written, converted to T.
@inline(__always)
func syrkTile<K: GEMMKernelScalar, T: LinalgScalar>(
    _ kernel: GEMMMicroKernel, mr: Int, nr: Int, ir: Int, jr: Int, n: Int, kc: Int,
    rowPanel: UnsafePointer<K>, columnPanel: UnsafePointer<K>, c: UnsafeMutablePointer<T>, ldc: Int,
    alpha: T, beta: T, tile: UnsafeMutablePointer<K>
) {
    let rowsHere = Swift.min(mr, n - ir), colsHere = Swift.min(nr, n - jr)
    let cTile = c + ir * ldc + jr
    let direct = K.self == T.self && rowsHere == mr && colsHere == nr && jr + nr <= ir + 1
    let target = direct ? MicroTileTarget(c: UnsafeMutableRawPointer(cTile).assumingMemoryBound(to: K.self), ldc: ldc,
                                          full: true)
                        : MicroTileTarget(c: tile, ldc: nr, full: false)
    let kAlpha = K(alpha.asDouble), kBeta = K(beta.asDouble)  // exact: used only when K = T
    switch kernel {
    case .avx2:
        microKernel6x2(K.Vector256.self, kc: kc, a: rowPanel, b: columnPanel, target: target, alpha: kAlpha, beta: kBeta)
    case .avx512:
        microKernel12x2(K.Vector512.self, kc: kc, a: rowPanel, b: columnPanel, target: target, alpha: kAlpha,
                        beta: kBeta)
    }
    if !direct {
        writeBackLower(tile, ldt: nr, rows: rowsHere, cols: colsHere, diagonal: ir - jr, c: cTile, ldc: ldc,
                       alpha: alpha, beta: beta)
    }
}

/// C[i, j] ← α·T(tile[i, j]) + β·C[i, j] for i < rows, j < cols and j ≤ i + diagonal (the entries of a tile at
/// (ir, jr) on or below the diagonal of C, diagonal = ir − jr); β = 0: C is not read. Float tiles into a Double C
/// are widened eight at a time.
@inline(__always)
func writeBackLower<K: LinalgScalar, T: LinalgScalar>(
    _ tile: UnsafePointer<K>, ldt: Int, rows: Int, cols: Int, diagonal: Int, c: UnsafeMutablePointer<T>, ldc: Int,
    alpha: T, beta: T
) {
    for i in 0..<rows {
        let jEnd = Swift.min(cols, i + diagonal + 1)
        guard jEnd > 0 else { continue }
        let t = tile + i * ldt, ci = c + i * ldc
        var j = 0
        if K.self == Float.self && T.self == Double.self {
            let tf = UnsafeRawPointer(t), cd = UnsafeMutableRawPointer(ci)
            let va = SIMD8<Double>(repeating: alpha.asDouble), vb = SIMD8<Double>(repeating: beta.asDouble)
            while j + 8 <= jEnd {
                let x = SIMD8<Double>(tf.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)) * va
                let old = beta == 0 ? SIMD8<Double>() : cd.loadUnaligned(fromByteOffset: 8 * j, as: SIMD8<Double>.self)
                cd.storeBytes(of: beta == 0 ? x : x.addingProduct(old, vb), toByteOffset: 8 * j, as: SIMD8<Double>.self)
                j += 8
            }
        }
        if beta == 0 {
            while j < jEnd { ci[j] = alpha * T(t[j].asDouble); j += 1 }
        } else {
            while j < jEnd { ci[j] = alpha * T(t[j].asDouble) + beta * ci[j]; j += 1 }
        }
    }
}

/// The cases with nothing to multiply: n = 0, k = 0 or α = 0 (lower C ← β·C, not reading C when β = 0).
/// Returns true when it handled the call.
func syrkTrivial<T: LinalgScalar>(n: Int, k: Int, _ c: MutableMatrixView<T>, alpha: T, beta: T) -> Bool {
    if n == 0 { return true }
    guard k == 0 || alpha == 0 else { return false }
    for i in 0..<n {
        for j in 0...i { c[i, j] = beta == 0 ? 0 : beta * c[i, j] }
    }
    return true
}
