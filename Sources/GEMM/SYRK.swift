import LinearAlgebraCore

/// Symmetric rank-k update of the lower triangle: C ← α·AᵀA + β·C on j ≤ i.
///
/// A is k × n (k rows of n features, e.g. tokens × inputs), C is n × n: C[i, j] ← α·Σₚ A[p, i]·A[p, j] + β·C[i, j]
/// for every j ≤ i. The strict upper triangle of C is neither read nor written; when β = 0 the lower triangle is
/// write-only (NaN already there does not reach the result). `variant` chooses the implementation
/// (``SYRKVariant``); `parallelism` is used by `.parallel` only; `params` overrides the blocking.
@inlinable
public func syrk<T: GEMMScalar>(
    _ a: MatrixView<T>, into c: MutableMatrixView<T>, alpha: T = 1, beta: T = 0,
    variant: SYRKVariant = .parallel, parallelism: Parallelism = .serial, params: SYRKParams = .default
) {
    precondition(c.rows == a.cols && c.cols == a.cols,
                 "syrk: A is \(a.rows)×\(a.cols), C \(c.rows)×\(c.cols) must be \(a.cols)×\(a.cols)")
    T._syrk(variant, a, c, alpha: alpha, beta: beta, parallelism: parallelism, params: params)
}

/// ``syrk(_:into:alpha:beta:variant:parallelism:params:)`` of a Float A into a Double C, the Gram matrix of Float
/// activations accumulated in Double. `accumulation` (``SYRKAccumulation``): `.double` widens each element of A to
/// Double as it is packed (no widened copy of A) and makes every product and sum in Double; `.floatSlabs` sums each
/// slab of KC rows of A in Float and adds the slabs' sums into C in Double.
public func syrk(
    _ a: MatrixView<Float>, into c: MutableMatrixView<Double>, alpha: Double = 1, beta: Double = 0,
    accumulation: SYRKAccumulation = .double, variant: SYRKVariant = .parallel, parallelism: Parallelism = .serial,
    params: SYRKParams = .default
) {
    precondition(c.rows == a.cols && c.cols == a.cols,
                 "syrk: A is \(a.rows)×\(a.cols), C \(c.rows)×\(c.cols) must be \(a.cols)×\(a.cols)")
    switch accumulation {
    case .double:
        syrkDispatch(variant, a, c, kernelScalar: Double.self, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    case .floatSlabs:
        syrkDispatch(variant, a, c, kernelScalar: Float.self, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    }
}

/// Routes to the chosen variant; every path is specialized for the concrete source, kernel (K: packing and
/// micro-kernel) and accumulator (T) scalars. The naive reference sums the same slabs as the blocked kernel when
/// K ≠ T (every row in one slab when K = T).
func syrkDispatch<S: LinalgScalar, K: GEMMKernelScalar, T: LinalgScalar>(
    _ variant: SYRKVariant, _ a: MatrixView<S>, _ c: MutableMatrixView<T>, kernelScalar: K.Type, alpha: T, beta: T,
    parallelism: Parallelism, params: SYRKParams
) {
    switch variant {
    case .naive:
        let slab = K.self == T.self ? a.rows : SYRKBlocking(K.self, n: a.cols, k: a.rows, params: params).kc
        syrkNaive(a, c, kernelScalar: K.self, slab: slab, alpha: alpha, beta: beta)
    case .blocked:
        syrkBlocked(a, c, kernelScalar: K.self, alpha: alpha, beta: beta, parallelism: .serial, params: params)
    case .parallel:
        let flops = Double(a.cols) * Double(a.cols) * Double(a.rows)
        let par = flops < params.parallelFlopThreshold ? Parallelism.serial : parallelism
        syrkBlocked(a, c, kernelScalar: K.self, alpha: alpha, beta: beta, parallelism: par, params: params)
    }
}
