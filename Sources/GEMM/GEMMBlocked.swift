import LinearAlgebraCore

/// C ← α·op(A)·op(B) + β·C by the BLIS five-loop algorithm, on one thread.
///
///     for jc in 0..<n by NC                      // B panel: L3
///       for pc in 0..<k by KC                    //   β applies on the first pc only (then β = 1)
///         pack op(B)[pc, jc] → KC × NC in NR-wide micro-panels
///         for ic in 0..<m by MC                  // A block: L2
///           pack op(A)[ic, pc] → MC × KC in MR-tall micro-panels
///           macro-kernel: MR × NR micro-kernel over the tiles, in the order of GEMMLoopOrder  // L1, registers
///
/// Rows m = 1 or columns n = 1 go to the GEMV kernels instead. `workspace` holds the packed buffers.
func gemmBlocked<T: GEMMKernelScalar>(
    _ transA: Transpose, _ a: MatrixView<T>, _ transB: Transpose, _ b: MatrixView<T>,
    _ c: MutableMatrixView<T>, alpha: T, beta: T, params: GEMMParams, workspace: Workspace
) {
    let m = c.rows, n = c.cols, k = transA == .none ? a.cols : a.rows
    if gemmTrivial(m: m, n: n, k: k, c, alpha: alpha, beta: beta) { return }
    if m == 1 || n == 1 {
        gemv(transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: .serial)
        return
    }
    let kernel = params.microKernel ?? .host
    let blk = GEMMBlocking(T.self, kernel: kernel, params: params)
    let mcMax = Swift.min(blk.mc, roundUp(m, blk.mr)), kcMax = Swift.min(blk.kc, k)
    let ncMax = Swift.min(blk.nc, roundUp(n, blk.nr))
    let buffers = GEMMBuffers<T>(workspace: workspace, aCount: mcMax * kcMax, bCount: kcMax * ncMax,
                                 tileCount: blk.mr * blk.nr)
    let kcStep = GEMMBlocking.balanced(k, block: blk.kc)
    let mcStep = GEMMBlocking.balanced(m, block: blk.mc, multiple: blk.mr)
    for jc in stride(from: 0, to: n, by: blk.nc) {
        let cols = jc..<Swift.min(n, jc + blk.nc)
        for pc in stride(from: 0, to: k, by: kcStep) {
            let depth = pc..<Swift.min(k, pc + kcStep)
            packB(transB, b, depth: depth, cols: cols, nr: blk.nr, into: buffers.b)
            let betaHere: T = pc == 0 ? beta : 1
            for ic in stride(from: 0, to: m, by: mcStep) {
                let rows = ic..<Swift.min(m, ic + mcStep)
                packA(transA, a, rows: rows, depth: depth, mr: blk.mr, into: buffers.a)
                macroKernel(kernel, blk, rows: rows.count, cols: cols.count, kc: depth.count,
                            packedA: buffers.a, packedB: buffers.b,
                            c: c.base + ic * c.rowStride + jc, ldc: c.rowStride,
                            alpha: alpha, beta: betaHere, tile: buffers.tile)
            }
        }
    }
}

/// The packed-A, packed-B and edge-tile buffers, carved from one workspace (64-byte aligned each),
/// which they keep alive.
struct GEMMBuffers<T: LinalgScalar> {
    let workspace: Workspace
    let a: UnsafeMutablePointer<T>     // mc × kc in MR-tall micro-panels
    let b: UnsafeMutablePointer<T>     // kc × nc in NR-wide micro-panels
    let tile: UnsafeMutablePointer<T>  // MR × NR, row-major: an edge tile before write-back

    init(workspace: Workspace, aCount: Int, bCount: Int, tileCount: Int) {
        let size = MemoryLayout<T>.stride
        self.workspace = workspace
        let aBytes = Workspace.roundUp(aCount * size), bBytes = Workspace.roundUp(bCount * size)
        workspace.reserve(bytes: aBytes + bBytes + Workspace.roundUp(tileCount * size))
        a = workspace.buffer(of: T.self, count: aCount)
        b = workspace.buffer(of: T.self, count: bCount, offsetBytes: aBytes)
        tile = workspace.buffer(of: T.self, count: tileCount, offsetBytes: aBytes + bBytes)
    }
}

@inline(__always) func roundUp(_ x: Int, _ multiple: Int) -> Int { (x + multiple - 1) / multiple * multiple }

/// The cases with nothing to multiply: an empty C, k = 0 or α = 0 (C ← β·C, not reading C when β = 0).
/// Returns true when it handled the call.
func gemmTrivial<T: LinalgScalar>(m: Int, n: Int, k: Int, _ c: MutableMatrixView<T>, alpha: T, beta: T) -> Bool {
    if m == 0 || n == 0 { return true }
    guard k == 0 || alpha == 0 else { return false }
    if beta == 0 {
        c.fill(0)
    } else if beta != 1 {
        for i in 0..<m { for j in 0..<n { c[i, j] *= beta } }
    }
    return true
}

/// The macro-kernel: every MR × NR tile of an mc × nc block of C from a packed A block and a packed B panel, in
/// the loop order of `blk` (``GEMMLoopOrder``):
/// - `rowsOuter`: for each slice of ncInL2 columns, for ir by MR, for jr by NR — one A micro-panel (MR × kc) stays
///   in L1 while the B slice (in L2) streams past it, and consecutive tiles of C lie side by side along the same MR
///   rows.
/// - `columnsOuter`: for jr by NR, for ir by MR — one B micro-panel (kc × NR) stays in L1 while the A block streams
///   past it from L2.
/// Full tiles are written by the micro-kernel; edge tiles go through `tile` and ``writeBackEdge``.
@inline(__always)
func macroKernel<T: GEMMKernelScalar>(
    _ kernel: GEMMMicroKernel, _ blk: GEMMBlocking, rows: Int, cols: Int, kc: Int,
    packedA: UnsafePointer<T>, packedB: UnsafePointer<T>, c: UnsafeMutablePointer<T>, ldc: Int,
    alpha: T, beta: T, tile: UnsafeMutablePointer<T>
) {
    let mr = blk.mr, nr = blk.nr
    switch blk.order {
    case .rowsOuter:
        for j0 in stride(from: 0, to: cols, by: blk.ncInL2) {
            let j1 = Swift.min(cols, j0 + blk.ncInL2)
            for ir in stride(from: 0, to: rows, by: mr) {
                for jr in stride(from: j0, to: j1, by: nr) {
                    tileKernel(kernel, mr: mr, nr: nr, ir: ir, jr: jr, rows: rows, cols: cols, kc: kc,
                               packedA: packedA, packedB: packedB, c: c, ldc: ldc, alpha: alpha, beta: beta,
                               tile: tile)
                }
            }
        }
    case .columnsOuter:
        for jr in stride(from: 0, to: cols, by: nr) {
            for ir in stride(from: 0, to: rows, by: mr) {
                tileKernel(kernel, mr: mr, nr: nr, ir: ir, jr: jr, rows: rows, cols: cols, kc: kc, packedA: packedA,
                           packedB: packedB, c: c, ldc: ldc, alpha: alpha, beta: beta, tile: tile)
            }
        }
    }
}

/// The MR × NR tile of C at (ir, jr) of the block: A micro-panel ir/MR times B micro-panel jr/NR.
@inline(__always)
func tileKernel<T: GEMMKernelScalar>(
    _ kernel: GEMMMicroKernel, mr: Int, nr: Int, ir: Int, jr: Int, rows: Int, cols: Int, kc: Int,
    packedA: UnsafePointer<T>, packedB: UnsafePointer<T>, c: UnsafeMutablePointer<T>, ldc: Int,
    alpha: T, beta: T, tile: UnsafeMutablePointer<T>
) {
    let mrHere = Swift.min(mr, rows - ir), nrHere = Swift.min(nr, cols - jr)
    let aPanel = packedA + ir * kc, bPanel = packedB + jr * kc
    let cTile = c + ir * ldc + jr
    let full = mrHere == mr && nrHere == nr
    let target = full ? MicroTileTarget(c: cTile, ldc: ldc, full: true)
                      : MicroTileTarget(c: tile, ldc: nr, full: false)
    switch kernel {
    case .avx2:
        microKernel6x2(T.Vector256.self, kc: kc, a: aPanel, b: bPanel, target: target, alpha: alpha, beta: beta)
    case .avx512:
        microKernel12x2(T.Vector512.self, kc: kc, a: aPanel, b: bPanel, target: target, alpha: alpha, beta: beta)
    }
    if !full {
        writeBackEdge(tile, ldt: nr, rows: mrHere, cols: nrHere, c: cTile, ldc: ldc, alpha: alpha, beta: beta)
    }
}

/// C[0..<rows, 0..<cols] ← α·tile + β·C for the valid part of an edge tile (β = 0: C is not read).
@inline(__always)
func writeBackEdge<T: LinalgScalar>(
    _ tile: UnsafePointer<T>, ldt: Int, rows: Int, cols: Int, c: UnsafeMutablePointer<T>, ldc: Int,
    alpha: T, beta: T
) {
    for i in 0..<rows {
        let t = tile + i * ldt, ci = c + i * ldc
        if beta == 0 {
            for j in 0..<cols { ci[j] = alpha * t[j] }
        } else {
            for j in 0..<cols { ci[j] = alpha * t[j] + beta * ci[j] }
        }
    }
}
