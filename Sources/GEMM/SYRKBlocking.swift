import LinearAlgebraCore

/// The blocking of the blocked SYRK (C ← α·AᵀA + β·C on the lower triangle, A k × n) for accumulator scalar T:
///
/// - MR × NR: the GEMM micro-kernel's tile (``GEMMMicroKernel``).
/// - KC: depth of a packed slab, the blocked GEMM's KC (an MR × KC micro-panel stays in L1), made as even as
///   possible over k.
/// - tile: the rows and columns of C one task computes (a macro-tile on or below the diagonal), a multiple of
///   lcm(MR, NR) so every macro-tile starts on a panel of both layouts; by default the GEMM's `ncInL2`, so the KC ×
///   tile slice of column panels stays in L2 while each row micro-panel of the tile sweeps it. When C is wider
///   than the kernel's scalar (Float slabs into a Double C, whose every slab reads and writes its tile of C), at
///   most the tile whose C takes a quarter of L2, so the tile of C stays there from slab to slab.
/// - chunk: rows of A packed at once (a multiple of KC): both layouts of chunk × n take at most the pack budget.
struct SYRKBlocking {
    let kernel: GEMMMicroKernel
    let mr: Int, nr: Int
    let kc: Int
    let tile: Int
    /// lcm(MR, NR): the column granule of packing tasks and macro-tiles.
    let granule: Int
    /// Columns of each packed layout, n rounded up to the granule (a slab of depth d takes d × paddedColumns).
    let paddedColumns: Int
    let chunk: Int

    /// The blocking for kernel (and packing) scalar T; `cBytes`: the size of C's scalar (T's by default).
    init<T: LinalgScalar>(_: T.Type, n: Int, k: Int, params: SYRKParams, cBytes: Int = MemoryLayout<T>.stride,
                          cpu: CPUInfo = .host) {
        kernel = params.microKernel ?? .host
        let gemmBlocking = GEMMBlocking(T.self, kernel: kernel, params: GEMMParams(kc: params.kc))
        mr = gemmBlocking.mr
        nr = gemmBlocking.nr
        kc = GEMMBlocking.balanced(k, block: gemmBlocking.kc)
        granule = mr / gcd(mr, nr) * nr
        var tileAuto = gemmBlocking.ncInL2
        if cBytes > MemoryLayout<T>.stride {
            let fits = Int((Double(cpu.l2Bytes / 4) / Double(cBytes)).squareRoot())
            tileAuto = Swift.min(tileAuto, Swift.max(granule, fits / granule * granule))
        }
        let tileWanted = params.tile > 0 ? params.tile : tileAuto
        tile = roundUp(Swift.max(1, tileWanted), granule)
        paddedColumns = roundUp(n, granule)
        let budget = params.packBudgetBytes > 0 ? params.packBudgetBytes : Swift.max(4 << 20, cpu.l3Bytes / 2)
        let rowBytes = 2 * paddedColumns * MemoryLayout<T>.stride
        chunk = Swift.min(roundUp(k, kc), Swift.max(kc, budget / rowBytes / kc * kc))
    }
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
