import GEMM
import LinearAlgebraCore

// TEMPORARY: a minimal Householder QR used only as the Jacobi preconditioner and the randomized range finder's
// orthonormalizer. To be replaced by Factorizations' `HouseholderQR<T>` on merge (same shape of API:
// `init(_:params:parallelism:)`, `.r`, `.thinQ()`); the only call site is ``factorQR(_:parallelism:)``.

/// A = QR by Householder reflections, A m × n: Q m × k with orthonormal columns, R k × n upper triangular,
/// k = min(m, n).
///
/// Reflector j is H_j = I − τ_j v_j v_jᵀ (v_j(j) = 1, zeros above), chosen so that H_j maps column j's entries
/// j..<m onto β_j e_j with β_j = −sign(a_jj)·‖a_j(j..<m)‖ (LAPACK `xLARFG`); Q = H_0 H_1 ⋯ H_{k−1}.
/// Works on the column-major copy (columns of A are contiguous rows), so every reflection is SIMD dot + axpy;
/// the trailing columns are updated in parallel.
struct PreconditionerQR<T: GEMMScalar> {
    let rows: Int
    let cols: Int
    /// Aᵀ, n × m row-major, overwritten: row c holds R's column c (entries 0...c) and v_c below the diagonal.
    private var packed: [T]
    private var tau: [T]
    let parallelism: Parallelism

    var k: Int { Swift.min(rows, cols) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    init(_ a: Matrix<T>, parallelism: Parallelism = .serial) {
        rows = a.rows
        cols = a.cols
        self.parallelism = parallelism
        packed = a.transposed().elements
        tau = [T](repeating: 0, count: Swift.min(a.rows, a.cols))
        let (m, n) = (rows, cols)
        packed.withUnsafeMutableBufferPointer { pb in
            let p = pb.baseAddress!
            for j in 0..<Swift.min(m, n) {
                let col = p + j * m + j   // column j from row j on, length m − j
                let len = m - j
                let (beta, t) = PreconditionerQR.reflector(col, len)
                tau[j] = t
                guard t != 0 else { continue }
                let tj = t
                // Apply H_j to the trailing columns c > j: a_c ← a_c − τ (v·a_c) v.
                let work = (n - j - 1) * len
                let par = work >= 1 << 15 ? parallelism : .serial
                par.forEachRange(n - j - 1, granule: 4) { range in
                    for c in range {
                        let ac = p + (j + 1 + c) * m + j
                        let w = ac[0] + dotRow(UnsafePointer(col + 1), UnsafePointer(ac + 1), len - 1)
                        let f = -tj * w
                        ac[0] += f
                        axpyRow(f, UnsafePointer(col + 1), ac + 1, len - 1)
                    }
                }
                col[0] = beta
            }
        }
    }

    /// Householder vector of x (length len) in place: returns (β, τ); x(1...) becomes v(1...).
    private static func reflector(_ x: UnsafeMutablePointer<T>, _ len: Int) -> (T, T) {
        guard len > 1 else { return (x[0], 0) }
        var ssq = dotRow(UnsafePointer(x + 1), UnsafePointer(x + 1), len - 1).asDouble
        if !ssq.isFinite || ssq < T.leastNormalMagnitude.asDouble / T.machineEpsilon {
            let nrm = robustNorm(UnsafePointer(x + 1), len - 1)
            ssq = nrm * nrm
            if ssq == 0 && nrm != 0 {   // underflowed square: work with the norm
                let alpha = x[0].asDouble
                let beta = -(alpha >= 0 ? 1.0 : -1.0) * (alpha * alpha + nrm * nrm).squareRoot()
                return finish(x, len, alpha: alpha, beta: beta == 0 ? -nrm : beta)
            }
        }
        guard ssq > 0 else { return (x[0], 0) }
        let alpha = x[0].asDouble
        let beta = -(alpha >= 0 ? 1.0 : -1.0) * (alpha * alpha + ssq).squareRoot()
        return finish(x, len, alpha: alpha, beta: beta)
    }

    private static func finish(_ x: UnsafeMutablePointer<T>, _ len: Int, alpha: Double, beta: Double) -> (T, T) {
        let t = (beta - alpha) / beta
        let scale = 1 / (alpha - beta)
        for i in 1..<len { x[i] = T(x[i].asDouble * scale) }
        return (T(beta), T(t))
    }

    /// R, k × n upper triangular, row-major.
    var r: Matrix<T> {
        var out = Matrix<T>(rows: k, cols: cols)
        guard k > 0 else { return out }
        for c in 0..<cols {
            for i in 0...Swift.min(c, k - 1) { out[i, c] = packed[c * rows + i] }
        }
        return out
    }

    /// Q's first k columns, m × k row-major: H_0 ⋯ H_{k−1} applied to [I_k; 0], reflectors taken backwards.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func thinQ() -> Matrix<T> {
        let (m, k) = (rows, self.k)
        var qc = [T](repeating: 0, count: k * m)   // Qᵀ, k × m row-major: row c = column c of Q
        for c in 0..<k { qc[c * m + c] = 1 }
        packed.withUnsafeBufferPointer { pb in
            qc.withUnsafeMutableBufferPointer { qb in
                let p = pb.baseAddress!, q = qb.baseAddress!
                for j in stride(from: k - 1, through: 0, by: -1) {
                    let t = tau[j]
                    guard t != 0 else { continue }
                    let v = p + j * m + j + 1   // v(j+1..<m); v(j) = 1
                    let len = m - j
                    let par = (k - j) * len >= 1 << 15 ? parallelism : .serial
                    par.forEachRange(k - j, granule: 4) { range in
                        for c in range {
                            let qcol = q + (j + c) * m + j
                            let w = qcol[0] + dotRow(v, UnsafePointer(qcol + 1), len - 1)
                            let f = -t * w
                            qcol[0] += f
                            axpyRow(f, v, qcol + 1, len - 1)
                        }
                    }
                }
            }
        }
        return Matrix(rows: k, cols: m, elements: qc).transposed()
    }
}

/// The single place the SVD code factors A = QR (to switch to Factorizations' `HouseholderQR` on merge).
/// Returns R (k × n) and, when `wantQ`, the thin Q (m × k), k = min(m, n).
func factorQR<T: GEMMScalar>(_ a: Matrix<T>, wantQ: Bool, parallelism: Parallelism) -> (q: Matrix<T>?, r: Matrix<T>) {
    let qr = PreconditionerQR(a, parallelism: parallelism)
    return (wantQ ? qr.thinQ() : nil, qr.r)
}
