import LinearAlgebraCore

/// The subsampled randomized trigonometric transform sketch Y = A·Ω, Ω = √(n/l)·D·F·R (n × l).
///
/// D: n random signs; F: the orthonormal DCT-II along the n axis (FFTW `REDFT10` scaled by √(1/(4n)) for
/// k = 0 and √(1/(2n)) otherwise), R: l distinct random columns. Row i of Y is
/// √(n/l)·(F (d ⊙ aᵢ))[R] — each row of A (contiguous in row-major storage) is transformed once, in batches
/// of rows through a cached FFTW plan (``FFTWPlanCache``), the batches spread over `parallelism`.
/// Cost O(mn log n) instead of the Gaussian sketch's O(mnl).
enum SRFTSketch {
    /// Rows per FFTW batch.
    static let batchRows = 32

    /// Y = AΩ, m × l, for the Ω drawn from `seed`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func apply<T: LinalgScalar>(_ a: Matrix<T>, columns l: Int, seed: UInt64,
                                       parallelism: Parallelism) -> Matrix<T> {
        let (m, n) = (a.rows, a.cols)
        precondition(l >= 1 && l <= n, "SRFT: \(l) columns of \(n)")
        var g = SeededGenerator(seed: seed)
        let signs: [T] = (0..<n).map { _ in g.next() & 1 == 0 ? 1 : -1 }
        var perm = Array(0..<n)
        for i in 0..<l { perm.swapAt(i, i + Int(g.next() % UInt64(n - i))) }
        let chosen = perm[0..<l].sorted()
        let base = (Double(n) / Double(l)).squareRoot()
        let colScale: [T] = chosen.map { k in
            T(base * (k == 0 ? (1 / (4 * Double(n))).squareRoot() : (1 / (2 * Double(n))).squareRoot()))
        }

        var y = Matrix<T>(rows: m, cols: l)
        guard m > 0 else { return y }
        let batch = Swift.min(batchRows, m)
        let full = FFTWPlanCache.shared.dctII(length: n, batch: batch, T.self)
        let tailRows = m % batch
        let tail = tailRows == 0 ? full : FFTWPlanCache.shared.dctII(length: n, batch: tailRows, T.self)
        let chunks = (m + batch - 1) / batch
        a.withView { av in
            y.withMutableView { yv in
                signs.withUnsafeBufferPointer { sg in
                    parallelism.forEach(chunks) { c in
                        let r0 = c * batch
                        let rows = Swift.min(batch, m - r0)
                        let raw = UnsafeMutableRawPointer.allocate(byteCount: rows * n * MemoryLayout<T>.stride,
                                                                   alignment: 64)
                        defer { raw.deallocate() }
                        let buf = raw.bindMemory(to: T.self, capacity: rows * n)   // rows × n
                        for r in 0..<rows {
                            let src = av.base + (r0 + r) * av.rowStride, dst = buf + r * n
                            for j in 0..<n { dst[j] = sg[j] * src[j] }
                        }
                        FFTWPlanCache.execute(rows == batch ? full : tail, buf)
                        for r in 0..<rows {
                            let src = buf + r * n, dst = yv.base + (r0 + r) * yv.rowStride
                            for (j, k) in chosen.enumerated() { dst[j] = colScale[j] * src[k] }
                        }
                    }
                }
            }
        }
        return y
    }
}
