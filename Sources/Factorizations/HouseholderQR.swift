import GEMM
import LinearAlgebraCore

/// The Householder QR factorization A = Q·R of an m × n matrix (Eigen's `HouseholderQR`, LAPACK GEQRF).
///
/// Q = H₀·H₁⋯H_{k−1} (k = min(m, n)) with Hᵢ = I − τᵢ·vᵢ·vᵢᵀ, vᵢ = [0…0 1 vᵢ₊₁…]ᵀ, is orthogonal m × m; R is
/// k × n upper trapezoidal. Diagonal elements of R may be negative (β = −sign(α)·‖x‖, as in LAPACK).
/// The blocked variant groups `blockSize` reflectors as I − V·T·Vᵀ and applies them by GEMM (see ``QRVariant``).
public struct HouseholderQR<T: GEMMScalar>: Sendable {
    /// m × n: R on and above the diagonal, the reflector vectors vᵢ (without their leading 1) below it.
    public let factors: Matrix<T>
    /// k scalars τᵢ.
    public let tau: [T]
    public let variant: QRVariant
    /// Reflectors per block (blocked variant).
    let blockSize: Int
    /// blockSize × k (blocked variant): the T of the block starting at column j, b × b, in columns j..<j+b.
    let blockTriangles: Matrix<T>

    public var rows: Int { factors.rows }
    public var cols: Int { factors.cols }
    /// min(m, n).
    public var rank: Int { tau.count }

    /// Factors `a` (m × n, any shape).
    @specialized(where T == Float)
    @specialized(where T == Double)
    public init(_ a: Matrix<T>, variant: QRVariant = .blocked, params: QRParams = .default,
                parallelism: Parallelism = .serial) {
        let m = a.rows, n = a.cols, k = Swift.min(m, n)
        var f = a
        var tau = [T](repeating: 0, count: k)
        let nb = variant == .blocked ? Swift.max(1, Swift.min(params.blockSize, k)) : 1
        var triangles = Matrix<T>(rows: variant == .blocked ? nb : 0, cols: variant == .blocked ? k : 0)
        let ws = QRWorkspace<T>(blockSize: nb, maxColumns: n)
        f.withMutableView { fv in
            tau.withUnsafeMutableBufferPointer { taus in
                let taus = taus.baseAddress!
                switch variant {
                case .unblocked:
                    let ld = fv.rowStride
                    for c in 0..<k {
                        let head = fv.base + c * ld + c
                        let (beta, tc) = HouseholderReflector.generate(alpha: head[0], head + ld, count: m - c - 1,
                                                                       stride: ld)
                        head[0] = beta
                        taus[c] = tc
                        if c + 1 < n {
                            HouseholderReflector.apply(tau: tc, tail: head + ld, stride: ld,
                                                       to: fv.block(rows: c..<m, cols: (c + 1)..<n), w: ws.row)
                        }
                    }
                case .blocked:
                    triangles.withMutableView { tv in
                        var j = 0
                        while j < k {
                            let b = Swift.min(nb, k - j)
                            let panel = fv.block(rows: j..<m, cols: j..<(j + b))
                            let t = tv.block(rows: 0..<b, cols: j..<(j + b))
                            householderPanel(panel, tau: taus + j, t: t, leaf: params.panelLeaf, workspace: ws,
                                             parallelism: parallelism)
                            if j + b < n {
                                BlockReflector(v: panel.readOnly, t: t.readOnly)
                                    .apply(to: fv.block(rows: j..<m, cols: (j + b)..<n), transposed: true,
                                           workspace: ws, parallelism: parallelism)
                            }
                            j += b
                        }
                    }
                }
            }
        }
        self.factors = f
        self.tau = tau
        self.variant = variant
        self.blockSize = nb
        self.blockTriangles = triangles
    }

    /// R: k × n, upper trapezoidal (zeros below the diagonal).
    public var r: Matrix<T> {
        Matrix(rows: rank, cols: cols) { i, j in j >= i ? self.factors[i, j] : 0 }
    }

    /// The first k columns of Q (m × k, orthonormal columns), so that A = thinQ·R. Formed backwards from
    /// [I; 0], each block touching only rows and columns from its own start on (LAPACK ORGQR).
    @specialized(where T == Float)
    @specialized(where T == Double)
    public func thinQ(parallelism: Parallelism = .serial) -> Matrix<T> {
        let m = rows, k = rank
        var q = Matrix<T>(rows: m, cols: k)
        for i in 0..<k { q[i, i] = 1 }
        q.withMutableView { qv in
            apply(to: qv, transposeQ: false, firstColumnFromBlock: true, parallelism: parallelism)
        }
        return q
    }

    /// B ← Q·B (`transpose == .none`) or Qᵀ·B, for B with m rows (Q is the full m × m orthogonal factor).
    @specialized(where T == Float)
    @specialized(where T == Double)
    public func applyQ(transpose: Transpose, to b: inout Matrix<T>, parallelism: Parallelism = .serial) {
        precondition(b.rows == rows, "HouseholderQR.applyQ: argument 'b' has \(b.rows) rows, expected \(rows)")
        b.withMutableView { bv in
            apply(to: bv, transposeQ: transpose == .transposed, firstColumnFromBlock: false, parallelism: parallelism)
        }
    }

    /// Applies the reflector blocks to C (m rows): Qᵀ·C forwards, Q·C backwards. Each block acts on rows j…;
    /// with `firstColumnFromBlock` (forming Q from [I; 0]) also only on columns j… of C.
    func apply(to c: MutableMatrixView<T>, transposeQ: Bool, firstColumnFromBlock: Bool, parallelism: Parallelism) {
        let m = rows, k = rank
        guard k > 0, c.cols > 0 else { return }
        factors.withView { fv in
            switch variant {
            case .unblocked:
                let w = UnsafeMutablePointer<T>.allocate(capacity: c.cols)  // vᵀ·C, c.cols
                defer { w.deallocate() }
                let ld = fv.rowStride
                for step in 0..<k {
                    let i = transposeQ ? step : k - 1 - step
                    let cols = firstColumnFromBlock ? i..<c.cols : 0..<c.cols
                    HouseholderReflector.apply(tau: tau[i], tail: fv.base + (i + 1) * ld + i, stride: ld,
                                               to: c.block(rows: i..<m, cols: cols), w: w)
                }
            case .blocked:
                let ws = QRWorkspace<T>(blockSize: blockSize, maxColumns: Swift.min(c.cols, 4096))
                blockTriangles.withView { tv in
                    let starts = Array(stride(from: 0, to: k, by: blockSize))
                    for j in transposeQ ? starts : starts.reversed() {
                        let b = Swift.min(blockSize, k - j)
                        let reflector = BlockReflector(v: fv.block(rows: j..<m, cols: j..<(j + b)),
                                                       t: tv.block(rows: 0..<b, cols: j..<(j + b)))
                        let cols = firstColumnFromBlock ? j..<c.cols : 0..<c.cols
                        reflector.apply(to: c.block(rows: j..<m, cols: cols), transposed: transposeQ, workspace: ws,
                                        parallelism: parallelism)
                    }
                }
            }
        }
    }
}
