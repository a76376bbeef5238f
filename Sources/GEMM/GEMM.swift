import LinearAlgebraCore

/// General matrix multiply: C ← α·op(A)·op(B) + β·C, with op(X) = X or Xᵀ.
///
/// Shapes: op(A) is m × k, op(B) is k × n, C is m × n. When β = 0, C is write-only: whatever it held
/// (NaN included) does not reach the result. `variant` chooses the implementation (``GEMMVariant``);
/// `parallelism` is used by `.parallel` only; `params` overrides the cache blocking.
@inlinable
public func gemm<T: GEMMScalar>(
    _ transA: Transpose = .none, _ a: MatrixView<T>, _ transB: Transpose = .none, _ b: MatrixView<T>,
    into c: MutableMatrixView<T>, alpha: T = 1, beta: T = 0,
    variant: GEMMVariant = .parallel, parallelism: Parallelism = .serial, params: GEMMParams = .default
) {
    let (m, k) = transA.shape(rows: a.rows, cols: a.cols)
    let (kb, n) = transB.shape(rows: b.rows, cols: b.cols)
    precondition(k == kb && c.rows == m && c.cols == n,
                 "gemm: op(A) \(m)×\(k), op(B) \(kb)×\(n), C \(c.rows)×\(c.cols) do not conform")
    T._gemm(variant, transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: parallelism, params: params)
}

/// op(A)·op(B) as a new matrix.
public func matmul<T: GEMMScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, transA: Transpose = .none, transB: Transpose = .none,
    variant: GEMMVariant = .parallel, parallelism: Parallelism = .serial
) -> Matrix<T> {
    let m = transA.shape(rows: a.rows, cols: a.cols).rows
    let n = transB.shape(rows: b.rows, cols: b.cols).cols
    var c = Matrix<T>(rows: m, cols: n)
    a.withView { av in
        b.withView { bv in
            c.withMutableView { cv in
                gemm(transA, av, transB, bv, into: cv, variant: variant, parallelism: parallelism)
            }
        }
    }
    return c
}

/// Routes to the chosen variant; every path is specialized for the concrete scalar inside this module.
func gemmDispatch<T: GEMMKernelScalar>(
    _ variant: GEMMVariant, _ transA: Transpose, _ a: MatrixView<T>, _ transB: Transpose, _ b: MatrixView<T>,
    _ c: MutableMatrixView<T>, alpha: T, beta: T, parallelism: Parallelism, params: GEMMParams
) {
    switch variant {
    case .naive:
        gemmNaive(transA, a, transB, b, c, alpha: alpha, beta: beta)
    case .blocked:
        gemmBlocked(transA, a, transB, b, c, alpha: alpha, beta: beta, params: params, workspace: Workspace())
    case .parallel:
        gemmParallel(transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: parallelism, params: params)
    }
}
