import LinearAlgebraCore

/// The GEMV path of ``gemm``: C has one row (m = 1, e.g. decode: y = x·Wᵀ) or one column (n = 1).
///
/// Both reduce to  y[j] ← α·Σₚ W(j, p)·x[p] + β·y[j],  j < L, p < k, with
/// - m = 1: x = op(A)[0, :], y = C[0, :], W(j, p) = op(B)[p, j];
/// - n = 1: x = op(B)[:, 0], y = C[:, 0], W(j, p) = op(A)[j, p].
/// When W's rows are contiguous along p (`W(j, p) = w[j·ld + p]`) each y[j] is a SIMD dot product
/// (``gemvDot``); otherwise (`W(j, p) = w[p·ld + j]`) y is a sum of scaled rows of W (``gemvAxpy``).
/// Outputs are split over `parallelism` when 2kL ≥ `params.parallelGEMVFlopThreshold`.
func gemv<T: GEMMKernelScalar>(
    _ transA: Transpose, _ a: MatrixView<T>, _ transB: Transpose, _ b: MatrixView<T>,
    _ c: MutableMatrixView<T>, alpha: T, beta: T, parallelism: Parallelism, params: GEMMParams = .default
) {
    let m = c.rows, n = c.cols, k = transA == .none ? a.cols : a.rows
    if gemmTrivial(m: m, n: n, k: k, c, alpha: alpha, beta: beta) { return }
    precondition(m == 1 || n == 1, "gemv: C is \(m)×\(n), neither a row nor a column")
    let x: UnsafePointer<T>, xStride: Int, w: UnsafePointer<T>, ld: Int, dotForm: Bool
    let y = c.base, yStride: Int, count: Int
    if m == 1 {
        (x, xStride) = transA == .none ? (a.base, 1) : (a.base, a.rowStride)
        (w, ld, dotForm) = (b.base, b.rowStride, transB == .transposed)
        (yStride, count) = (1, n)
    } else {
        (x, xStride) = transB == .none ? (b.base, b.rowStride) : (b.base, 1)
        (w, ld, dotForm) = (a.base, a.rowStride, transA == .none)
        (yStride, count) = (c.rowStride, m)
    }
    let threads = 2 * Double(k) * Double(count) >= params.parallelGEMVFlopThreshold ? parallelism : .serial
    let run = { (xc: UnsafePointer<T>) in
        let granule = 4 * T.Vector256.scalarCount
        threads.forEachRange(count, granule: granule) { range in
            if dotForm {
                #if HOST_AVX512F
                if T.self == Float.self {
                    gemvDotFloat_avx512(k: k, x: UnsafeRawPointer(xc).assumingMemoryBound(to: Float.self),
                                        w: UnsafeRawPointer(w).assumingMemoryBound(to: Float.self), ld: ld,
                                        outputs: range,
                                        y: UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
                                        yStride: yStride, alpha: unsafeBitCast(alpha, to: Float.self),
                                        beta: unsafeBitCast(beta, to: Float.self))
                    return
                }
                #endif
                gemvDot(T.Vector256.self, k: k, x: xc, w: w, ld: ld, outputs: range, y: y, yStride: yStride,
                        alpha: alpha, beta: beta)
            } else {
                gemvAxpy(T.Vector256.self, k: k, x: xc, w: w, ld: ld, outputs: range, y: y, yStride: yStride,
                         alpha: alpha, beta: beta)
            }
        }
    }
    if xStride == 1 {
        run(x)
    } else {
        // x gathered to contiguous memory once: k values.
        withUnsafeTemporaryAllocation(of: T.self, capacity: k) { buf in
            for p in 0..<k { buf[p] = x[p * xStride] }
            run(UnsafePointer(buf.baseAddress!))
        }
    }
}

/// y[j] ← α·⟨W[j, 0..<k], x⟩ + β·y[j] for j in `outputs`, W rows contiguous (`W(j, p) = w[j·ld + p]`).
/// Four rows at a time share each load of x; two vectors per row hide the FMA latency.
@inline(never)
func gemvDot<V: SIMD>(
    _: V.Type, k: Int, x: UnsafePointer<V.Scalar>, w: UnsafePointer<V.Scalar>, ld: Int, outputs: Range<Int>,
    y: UnsafeMutablePointer<V.Scalar>, yStride: Int, alpha: V.Scalar, beta: V.Scalar
) where V.Scalar: LinalgScalar {
    typealias T = V.Scalar
    let lanes = V.scalarCount, kVec = k / (2 * lanes) * (2 * lanes)
    @inline(__always) func store(_ j: Int, _ sum: T) {
        let yj = y + j * yStride
        yj.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * yj.pointee
    }
    var j = outputs.lowerBound
    while j + 4 <= outputs.upperBound {
        let r0 = w + j * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld
        var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
        var p = 0
        while p < kVec {
            let x0: V = loadVector(x + p), x1: V = loadVector(x + p + lanes)
            a00 = a00.addingProduct(loadVector(r0 + p), x0); a01 = a01.addingProduct(loadVector(r0 + p + lanes), x1)
            a10 = a10.addingProduct(loadVector(r1 + p), x0); a11 = a11.addingProduct(loadVector(r1 + p + lanes), x1)
            a20 = a20.addingProduct(loadVector(r2 + p), x0); a21 = a21.addingProduct(loadVector(r2 + p + lanes), x1)
            a30 = a30.addingProduct(loadVector(r3 + p), x0); a31 = a31.addingProduct(loadVector(r3 + p + lanes), x1)
            p += 2 * lanes
        }
        var s0 = (a00 + a01).sum(), s1 = (a10 + a11).sum(), s2 = (a20 + a21).sum(), s3 = (a30 + a31).sum()
        while p < k {
            let xp = x[p]
            s0 += r0[p] * xp; s1 += r1[p] * xp; s2 += r2[p] * xp; s3 += r3[p] * xp
            p += 1
        }
        store(j, s0); store(j + 1, s1); store(j + 2, s2); store(j + 3, s3)
        j += 4
    }
    while j < outputs.upperBound {
        let r = w + j * ld
        var a0 = V(), a1 = V()
        var p = 0
        while p < kVec {
            a0 = a0.addingProduct(loadVector(r + p), loadVector(x + p))
            a1 = a1.addingProduct(loadVector(r + p + lanes), loadVector(x + p + lanes))
            p += 2 * lanes
        }
        var s = (a0 + a1).sum()
        while p < k { s += r[p] * x[p]; p += 1 }
        store(j, s)
        j += 1
    }
}

/// y[j] ← α·Σₚ x[p]·W[p, j] + β·y[j] for j in `outputs`, W rows along j (`W(j, p) = w[p·ld + j]`).
///
/// W is streamed row-major: the outputs are taken in chunks of `chunk` whose partial sums sit in an L1-resident
/// accumulator (`acc`, chunk values), and each pass over the chunk adds eight scaled rows of W, so every W row
/// segment is read once, contiguously.
@inline(never)
func gemvAxpy<V: SIMD>(
    _: V.Type, k: Int, x: UnsafePointer<V.Scalar>, w: UnsafePointer<V.Scalar>, ld: Int, outputs: Range<Int>,
    y: UnsafeMutablePointer<V.Scalar>, yStride: Int, alpha: V.Scalar, beta: V.Scalar
) where V.Scalar: LinalgScalar {
    typealias T = V.Scalar
    let lanes = V.scalarCount, chunk = 512
    withUnsafeTemporaryAllocation(of: T.self, capacity: chunk) { accBuffer in
        let acc = accBuffer.baseAddress!  // chunk partial sums
        for j0 in stride(from: outputs.lowerBound, to: outputs.upperBound, by: chunk) {
            let len = Swift.min(chunk, outputs.upperBound - j0), lenVec = len / lanes * lanes
            acc.update(repeating: 0, count: len)
            var p = 0
            while p + 8 <= k {
                let r0 = w + p * ld + j0
                let x0 = V(repeating: x[p]), x1 = V(repeating: x[p + 1]), x2 = V(repeating: x[p + 2])
                let x3 = V(repeating: x[p + 3]), x4 = V(repeating: x[p + 4]), x5 = V(repeating: x[p + 5])
                let x6 = V(repeating: x[p + 6]), x7 = V(repeating: x[p + 7])
                var j = 0
                while j < lenVec {
                    let r = r0 + j
                    var s: V = loadVector(acc + j)
                    s = s.addingProduct(x0, loadVector(r))
                    s = s.addingProduct(x1, loadVector(r + ld))
                    s = s.addingProduct(x2, loadVector(r + 2 * ld))
                    s = s.addingProduct(x3, loadVector(r + 3 * ld))
                    s = s.addingProduct(x4, loadVector(r + 4 * ld))
                    s = s.addingProduct(x5, loadVector(r + 5 * ld))
                    s = s.addingProduct(x6, loadVector(r + 6 * ld))
                    s = s.addingProduct(x7, loadVector(r + 7 * ld))
                    storeVector(s, acc + j)
                    j += lanes
                }
                while j < len {
                    var t = acc[j]
                    for q in 0..<8 { t += x[p + q] * r0[q * ld + j] }
                    acc[j] = t
                    j += 1
                }
                p += 8
            }
            while p < k {
                let r = w + p * ld + j0, xp = x[p]
                for j in 0..<len { acc[j] += xp * r[j] }
                p += 1
            }
            for j in 0..<len {
                let yj = y + (j0 + j) * yStride
                yj.pointee = beta == 0 ? alpha * acc[j] : alpha * acc[j] + beta * yj.pointee
            }
        }
    }
}
