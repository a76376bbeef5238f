import GEMM
import LinearAlgebraCore

/// Block one-sided Jacobi: the `jacobi-blocked` kernel, same contract as ``oneSidedJacobi(x:count:length:y:yLength:params:parallelism:)``.
///
/// The n rows of X are cut into blocks of b rows. For a pair of blocks (I, J), with X_IJ = [X_I; X_J]
/// (w × len, w = b_I + b_J):
/// 1. the Gram matrix G = X_IJ X_IJᵀ (w × w) by GEMM;
/// 2. the symmetric Jacobi eigenvalue iteration on G (in Double) with the same rotation rule as the scalar
///    kernel, accumulating Z (w × w) with Z G Zᵀ ≈ diagonal;
/// 3. X_IJ ← Z X_IJ and Y_IJ ← Z Y_IJ by GEMM.
/// So the level-3 work goes through ``gemm``. A block pair whose Gram already passes the orthogonality test
/// is left alone; the sweeps (round-robin over blocks, the disjoint block pairs of a step in parallel) stop
/// after the first sweep that changes nothing. Each outer sweep recomputes the Grams from the updated rows,
/// so the rounding of the inner solve (which sees squared norms) is corrected by later sweeps.
enum BlockJacobi {
    /// The block size used for n rotated rows: `params.blockSize`, or n/8 clamped to 8...64 (a multiple of 8).
    static func blockSize(n: Int, params: JacobiParams) -> Int {
        if params.blockSize > 0 { return params.blockSize }
        return Swift.min(64, Swift.max(8, (n / 8) / 8 * 8))
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GEMMScalar>(
        x: UnsafeMutablePointer<T>, count n: Int, length len: Int,   // n × len, row-major
        y: UnsafeMutablePointer<T>?, yLength: Int,                    // n × yLength, row-major (or nil)
        params: JacobiParams, parallelism: Parallelism
    ) throws(SVDError) -> Int {
        guard n >= 2 else { return 0 }
        let tol = params.threshold(length: len, T.self)
        let b = blockSize(n: n, params: params)
        let nb = (n + b - 1) / b
        func rowsOf(_ i: Int) -> Range<Int> { (i * b)..<Swift.min(n, (i + 1) * b) }

        let maxW = Swift.min(n, 2 * b)
        let maxPairs = Swift.max(1, nb / 2)
        // Per concurrent block pair: gathered rows (maxW × max(len, yLength)), Gram and Z in T (maxW²),
        // Gram and Z in Double (maxW²).
        let rowBuf = maxW * Swift.max(len, yLength)
        let tBuf = UnsafeMutablePointer<T>.allocate(capacity: maxPairs * (rowBuf + 2 * maxW * maxW))
        let dBuf = UnsafeMutablePointer<Double>.allocate(capacity: maxPairs * 2 * maxW * maxW)
        let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: maxPairs)
        defer {
            tBuf.deallocate()
            dBuf.deallocate()
            flags.deallocate()
        }

        /// Processes block rows `ranges` (one or two blocks) with workspace slot `slot`; true if it rotated.
        func process(_ r1: Range<Int>, _ r2: Range<Int>, slot: Int, gemmParallelism: Parallelism) -> Bool {
            let w = r1.count + r2.count
            let gather = tBuf + slot * (rowBuf + 2 * maxW * maxW)   // w × len (then w × yLength)
            let gramT = gather + rowBuf                              // w × w
            let zT = gramT + maxW * maxW                             // w × w
            let g = dBuf + slot * 2 * maxW * maxW                    // w × w, Double
            let z = g + maxW * maxW                                  // w × w, Double

            func gatherRows(_ src: UnsafeMutablePointer<T>, _ l: Int) {
                (gather).update(from: src + r1.lowerBound * l, count: r1.count * l)
                if !r2.isEmpty { (gather + r1.count * l).update(from: src + r2.lowerBound * l, count: r2.count * l) }
            }
            gatherRows(x, len)
            let gv = MatrixView(base: UnsafePointer(gather), rows: w, cols: len, rowStride: len)
            gemm(.none, gv, .transposed, gv, into: MutableMatrixView(base: gramT, rows: w, cols: w, rowStride: w),
                 parallelism: gemmParallelism)
            for i in 0..<(w * w) { g[i] = gramT[i].asDouble }
            guard symmetricJacobi(g: g, z: z, w: w, tol: tol, maxSweeps: params.innerMaxSweeps) else {
                return false
            }
            for i in 0..<(w * w) { zT[i] = T(z[i]) }
            func update(_ dst: UnsafeMutablePointer<T>, _ l: Int) {
                let src = MatrixView(base: UnsafePointer(gather), rows: w, cols: l, rowStride: l)
                let z1 = MatrixView(base: UnsafePointer(zT), rows: r1.count, cols: w, rowStride: w)
                gemm(.none, z1, .none, src,
                     into: MutableMatrixView(base: dst + r1.lowerBound * l, rows: r1.count, cols: l, rowStride: l),
                     parallelism: gemmParallelism)
                if !r2.isEmpty {
                    let z2 = MatrixView(base: UnsafePointer(zT + r1.count * w), rows: r2.count, cols: w, rowStride: w)
                    gemm(.none, z2, .none, src,
                         into: MutableMatrixView(base: dst + r2.lowerBound * l, rows: r2.count, cols: l, rowStride: l),
                         parallelism: gemmParallelism)
                }
            }
            update(x, len)
            if let y {
                gatherRows(y, yLength)
                update(y, yLength)
            }
            return true
        }

        var ordering = RoundRobinOrdering(nb)
        var pairs = [(Int, Int)]()
        for sweep in 1...Swift.max(params.maxSweeps, 1) {
            var changed = 0
            if nb == 1 {
                if process(rowsOf(0), 0..<0, slot: 0, gemmParallelism: parallelism) { changed += 1 }
            } else {
                for _ in 0..<ordering.steps {
                    ordering.pairs(into: &pairs)
                    if pairs.count == 1 || parallelism.isSerial {
                        for (s, (i, j)) in pairs.enumerated()
                        where process(rowsOf(i), rowsOf(j), slot: s, gemmParallelism: parallelism) {
                            changed += 1
                        }
                    } else {
                        pairs.withUnsafeBufferPointer { pb in
                            parallelism.forEach(pb.count) { s in
                                flags[s] = process(rowsOf(pb[s].0), rowsOf(pb[s].1), slot: s,
                                                   gemmParallelism: .serial) ? 1 : 0
                            }
                        }
                        for s in 0..<pairs.count { changed += Int(flags[s]) }
                    }
                    ordering.advance()
                }
            }
            if changed == 0 { return sweep }
        }
        throw .noConvergence(sweeps: params.maxSweeps)
    }

    /// Cyclic Jacobi eigenvalue iteration on the symmetric w × w matrix G (row-major, overwritten),
    /// accumulating the rotations as rows of Z (set to I here): Z G₀ Zᵀ = G at the end.
    /// Returns false (and leaves Z = I) if G already passes the test on its first sweep.
    static func symmetricJacobi(g: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>, w: Int,
                                tol: Double, maxSweeps: Int) -> Bool {
        z.update(repeating: 0, count: w * w)
        for i in 0..<w { z[i * w + i] = 1 }
        var any = false
        for _ in 0..<Swift.max(maxSweeps, 1) {
            var rotated = false
            for p in 0..<(w - 1) {
                for q in (p + 1)..<w {
                    let alpha = g[p * w + p], beta = g[q * w + q], gamma = g[p * w + q]
                    guard PlaneRotation.needed(alpha: alpha, beta: beta, gamma: gamma, tol: tol) else { continue }
                    let r = PlaneRotation(alpha: alpha, beta: beta, gamma: gamma)
                    let (c, s) = (r.c, r.s)
                    for k in 0..<w where k != p && k != q {
                        let gp = g[p * w + k], gq = g[q * w + k]
                        let np = c * gp - s * gq, nq = s * gp + c * gq
                        g[p * w + k] = np
                        g[q * w + k] = nq
                        g[k * w + p] = np
                        g[k * w + q] = nq
                    }
                    g[p * w + p] = alpha - r.t * gamma
                    g[q * w + q] = beta + r.t * gamma
                    g[p * w + q] = 0
                    g[q * w + p] = 0
                    rotateRows(z + p * w, z + q * w, w, c: c, s: s)
                    rotated = true
                }
            }
            if !rotated { break }
            any = true
        }
        return any
    }
}
