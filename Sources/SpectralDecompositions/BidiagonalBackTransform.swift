import GEMM
import LinearAlgebraCore

/// Which reflectors of a ``Bidiagonalization`` to apply.
enum BidiagonalReflectors {
    /// Q = H₀⋯H_{n−1}: vₖ in column k of the factors, its 1 at row k.
    case left
    /// P = G₀⋯G_{n−2}: uₖ in row k of the factors, its 1 at column k + 1.
    case right
}

/// C ← Q·C (`.left`, C has m rows) or C ← P·C (`.right`, C has n rows), the reflectors grouped in compact-WY
/// blocks of b (LAPACK ormbr via larft/larfb), applied last block first:
///
///     Hⱼ⋯H_{j+b−1} = I − V·T·Vᵀ,  T upper triangular: T[s, s] = τₛ, T[0..<s, s] = −τₛ·T[0..<s, 0..<s]·(VᵀV)[0..<s, s],
///     C ← C − V·(T·(Vᵀ·C))   (three GEMMs per block; V copied out explicitly with its unit diagonal).
@_specialize(where T == Float)
@_specialize(where T == Double)
func applyBidiagonalReflectors<T: GEMMScalar>(_ bd: Bidiagonalization<T>, _ side: BidiagonalReflectors,
                                              to c: inout Matrix<T>, blockSize: Int, parallelism: Parallelism) {
    let (m, n) = (bd.factors.rows, bd.factors.cols)
    let total = side == .left ? m : n          // length of the vectors
    let count = side == .left ? n : Swift.max(0, n - 1)   // reflectors
    let off = side == .left ? 0 : 1            // reflector j has its 1 at index j + off
    precondition(c.rows == total, "applyBidiagonalReflectors: C has \(c.rows) rows, expected \(total)")
    guard count > 0, c.cols > 0 else { return }
    let tau = side == .left ? bd.tauQ : bd.tauP
    let nbMax = Swift.max(1, Swift.min(blockSize, count))
    let nc = c.cols
    var vBuf = [T](repeating: 0, count: total * nbMax)
    var tBuf = [T](repeating: 0, count: nbMax * nbMax), sBuf = [T](repeating: 0, count: nbMax * nbMax)
    var wBuf = [T](repeating: 0, count: nbMax * nc), w2Buf = [T](repeating: 0, count: nbMax * nc)
    let starts = Array(stride(from: 0, to: count, by: nbMax))
    bd.factors.withView { fv in
        c.withMutableView { cv in
            vBuf.withUnsafeMutableBufferPointer { vb in
                tBuf.withUnsafeMutableBufferPointer { tb in
                    sBuf.withUnsafeMutableBufferPointer { sb in
                        wBuf.withUnsafeMutableBufferPointer { wb in
                            w2Buf.withUnsafeMutableBufferPointer { w2b in
                                for j in starts.reversed() {
                                    let b = Swift.min(nbMax, count - j)
                                    let r0 = j + off, len = total - r0
                                    // V: len × b, unit lower trapezoidal.
                                    let v = MutableMatrixView(base: vb.baseAddress!, rows: len, cols: b, rowStride: b)
                                    for i in 0..<len {
                                        for s in 0..<b {
                                            let val: T
                                            if i == s { val = 1 } else if i < s { val = 0 } else {
                                                val = side == .left ? fv[r0 + i, j + s] : fv[j + s, r0 + i]
                                            }
                                            v[i, s] = val
                                        }
                                    }
                                    let sMat = MutableMatrixView(base: sb.baseAddress!, rows: b, cols: b, rowStride: b)
                                    gemm(.transposed, v.readOnly, .none, v.readOnly, into: sMat, alpha: 1, beta: 0,
                                         variant: .blocked)
                                    let t = MutableMatrixView(base: tb.baseAddress!, rows: b, cols: b, rowStride: b)
                                    t.fill(0)
                                    for s in 0..<b {
                                        let ts = tau[j + s]
                                        for q in 0..<s {
                                            var acc: T = 0
                                            for r in q..<s { acc += t[q, r] * sMat[r, s] }
                                            t[q, s] = -ts * acc
                                        }
                                        t[s, s] = ts
                                    }
                                    let cSub = cv.block(rows: r0..<total, cols: 0..<nc)
                                    let w = MutableMatrixView(base: wb.baseAddress!, rows: b, cols: nc, rowStride: nc)
                                    let w2 = MutableMatrixView(base: w2b.baseAddress!, rows: b, cols: nc, rowStride: nc)
                                    gemm(.transposed, v.readOnly, .none, cSub.readOnly, into: w, alpha: 1, beta: 0,
                                         parallelism: parallelism)
                                    gemm(.none, t.readOnly, .none, w.readOnly, into: w2, alpha: 1, beta: 0,
                                         parallelism: parallelism)
                                    gemm(.none, v.readOnly, .none, w2.readOnly, into: cSub, alpha: -1, beta: 1,
                                         parallelism: parallelism)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
