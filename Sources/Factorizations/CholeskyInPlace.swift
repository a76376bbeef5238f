import GEMM
import LinearAlgebraCore

/// Factors symmetric positive definite A = L·Lᵀ in place.
///
/// Only the lower triangle of `a` (n × n) is read. On success it holds L and the strict upper triangle is set
/// to zero, so `a` is exactly L. Throws ``FactorizationError/notPositiveDefinite(pivot:)`` with the 0-based index
/// of the first pivot dⱼ = aⱼⱼ − Σ_{k<j} lⱼₖ² that is not positive (a is then partly overwritten), or
/// ``FactorizationError/dimensionMismatch(argument:expected:got:)`` when `a` is not square.
/// See ``CholeskyVariant`` for the algorithms; `parallelism` goes to the panel solve and the GEMMs.
@specialized(where T == Float)
@specialized(where T == Double)
public func choleskyInPlace<T: GEMMScalar>(
    _ a: MutableMatrixView<T>, variant: CholeskyVariant = .blocked, params: CholeskyParams = .default,
    parallelism: Parallelism = .serial
) throws(FactorizationError) {
    guard a.rows == a.cols else {
        throw .dimensionMismatch(argument: "a", expected: "a square matrix", got: "\(a.rows)×\(a.cols)")
    }
    var policy = PivotPolicy<T>.strict
    try choleskyFactor(a, variant: variant, params: params, parallelism: parallelism, policy: &policy)
}

/// The shared driver: both variants, either pivot policy. Zeroes the strict upper triangle at the end.
func choleskyFactor<T: GEMMScalar>(
    _ a: MutableMatrixView<T>, variant: CholeskyVariant, params: CholeskyParams, parallelism: Parallelism,
    policy: inout PivotPolicy<T>
) throws(FactorizationError) {
    let n = a.rows
    switch variant {
    case .unblocked:
        try choleskyUnblocked(a, offset: 0, policy: &policy)
    case .recursive:
        try choleskyRecursive(a, offset: 0, leaf: Swift.max(1, params.recursiveLeaf), params: params,
                              parallelism: parallelism, policy: &policy)
    case .blocked:
        let nb = Swift.max(1, params.blockSize)
        var k = 0
        while k < n {
            let b = Swift.min(nb, n - k)
            let diagonal = k..<(k + b), below = (k + b)..<n
            let a11 = a.block(rows: diagonal, cols: diagonal)
            try choleskyUnblocked(a11, offset: k, policy: &policy)
            if !below.isEmpty {
                // A₂₁ ← A₂₁·L₁₁⁻ᵀ, then A₂₂ ← A₂₂ − A₂₁·A₂₁ᵀ (lower).
                let a21 = a.block(rows: below, cols: diagonal)
                triangularSolve(side: .right, part: .lower, transpose: .transposed, diagonal: .nonUnit,
                                a11.readOnly, a21, params: params.triangularSolve, parallelism: parallelism)
                symmetricRankUpdateLower(a.block(rows: below, cols: below), a21.readOnly, leaf: nb,
                                         parallelism: parallelism)
            }
            k += b
        }
    }
    a.zeroStrictUpper()
}

/// The recursive variant: split at h = n/2,
///     L₁₁ = chol(A₁₁);   A₂₁ ← A₂₁·L₁₁⁻ᵀ;   A₂₂ ← A₂₂ − A₂₁·A₂₁ᵀ;   L₂₂ = chol(A₂₂),
/// down to `leaf` rows, factored by the unblocked kernel (which applies the pivot policy, with global indices).
func choleskyRecursive<T: GEMMScalar>(
    _ a: MutableMatrixView<T>, offset: Int, leaf: Int, params: CholeskyParams, parallelism: Parallelism,
    policy: inout PivotPolicy<T>
) throws(FactorizationError) {
    let n = a.rows
    if n <= leaf {
        try choleskyUnblocked(a, offset: offset, policy: &policy)
        return
    }
    let h = n / 2
    let first = 0..<h, second = h..<n
    let a11 = a.block(rows: first, cols: first), a21 = a.block(rows: second, cols: first)
    try choleskyRecursive(a11, offset: offset, leaf: leaf, params: params, parallelism: parallelism, policy: &policy)
    triangularSolve(side: .right, part: .lower, transpose: .transposed, diagonal: .nonUnit,
                    a11.readOnly, a21, params: params.triangularSolve, parallelism: parallelism)
    symmetricRankUpdateLower(a.block(rows: second, cols: second), a21.readOnly, leaf: leaf, parallelism: parallelism)
    try choleskyRecursive(a.block(rows: second, cols: second), offset: offset + h, leaf: leaf, params: params,
                          parallelism: parallelism, policy: &policy)
}
