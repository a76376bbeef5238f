import GEMM
import LinearAlgebraCore

/// Inverts a triangular matrix in place (LAPACK TRTRI): the `part` triangle of `a` is replaced by that of A⁻¹.
///
/// The other triangle is neither read nor written; with `diagonal == .unit` the stored diagonal is not read
/// either (A is taken to have ones there, and so does A⁻¹). Recursive at n/2, for lower L:
///     [L₁₁ 0; L₂₁ L₂₂]⁻¹ = [L₁₁⁻¹ 0; −L₂₂⁻¹·L₂₁·L₁₁⁻¹ L₂₂⁻¹],
/// the off-diagonal block by two triangular solves (with the blocks not yet inverted), then the two diagonal
/// blocks recursively; blocks of at most `params.blockSize` by column-wise substitution.
/// Throws ``FactorizationError/singular(index:)`` for an exact zero on a non-unit diagonal (A is untouched).
@specialized(where T == Float)
@specialized(where T == Double)
public func triangularInverse<T: GEMMScalar>(
    part: TriangularPart, diagonal: Diagonal = .nonUnit, _ a: MutableMatrixView<T>,
    params: TriangularSolveParams = .default, parallelism: Parallelism = .serial
) throws(FactorizationError) {
    guard a.rows == a.cols else {
        throw .dimensionMismatch(argument: "a", expected: "a square matrix", got: "\(a.rows)×\(a.cols)")
    }
    if diagonal == .nonUnit {
        for i in 0..<a.rows where a[i, i] == 0 { throw .singular(index: i) }
    }
    triangularInverseRecursive(part: part, diagonal: diagonal, a, params: params, parallelism: parallelism)
}

/// A⁻¹ as a new matrix for triangular A (`part`): the other triangle of the result is zero, and with
/// `diagonal == .unit` its diagonal is one.
@specialized(where T == Float)
@specialized(where T == Double)
public func triangularInverse<T: GEMMScalar>(
    part: TriangularPart, diagonal: Diagonal = .nonUnit, _ a: Matrix<T>,
    params: TriangularSolveParams = .default, parallelism: Parallelism = .serial
) throws(FactorizationError) -> Matrix<T> {
    var x = a
    let result: Result<Void, FactorizationError> = x.withMutableView { v in
        if part == .lower { v.zeroStrictUpper() } else { v.zeroStrictLower() }
        if diagonal == .unit { for i in 0..<Swift.min(v.rows, v.cols) { v[i, i] = 1 } }
        do throws(FactorizationError) {
            try triangularInverse(part: part, diagonal: diagonal, v, params: params, parallelism: parallelism)
            return .success(())
        } catch { return .failure(error) }
    }
    try result.get()
    return x
}

func triangularInverseRecursive<T: GEMMScalar>(
    part: TriangularPart, diagonal: Diagonal, _ a: MutableMatrixView<T>,
    params: TriangularSolveParams, parallelism: Parallelism
) {
    let n = a.rows
    if n <= Swift.max(1, params.blockSize) {
        triangularInverseUnblocked(part: part, diagonal: diagonal, a)
        return
    }
    let h = n / 2
    let first = 0..<h, second = h..<n
    let a11 = a.block(rows: first, cols: first), a22 = a.block(rows: second, cols: second)
    if part == .lower {
        // X₂₁ = −L₂₂⁻¹·L₂₁·L₁₁⁻¹
        let a21 = a.block(rows: second, cols: first)
        triangularSolve(side: .right, part: .lower, diagonal: diagonal, a11.readOnly, a21, alpha: -1,
                        params: params, parallelism: parallelism)
        triangularSolve(side: .left, part: .lower, diagonal: diagonal, a22.readOnly, a21,
                        params: params, parallelism: parallelism)
    } else {
        // X₁₂ = −U₁₁⁻¹·U₁₂·U₂₂⁻¹
        let a12 = a.block(rows: first, cols: second)
        triangularSolve(side: .right, part: .upper, diagonal: diagonal, a22.readOnly, a12, alpha: -1,
                        params: params, parallelism: parallelism)
        triangularSolve(side: .left, part: .upper, diagonal: diagonal, a11.readOnly, a12,
                        params: params, parallelism: parallelism)
    }
    triangularInverseRecursive(part: part, diagonal: diagonal, a11, params: params, parallelism: parallelism)
    triangularInverseRecursive(part: part, diagonal: diagonal, a22, params: params, parallelism: parallelism)
}

/// In-place inverse of a small triangular block, column by column (LAPACK TRTI2).
///
/// Lower: x_jj = 1/l_jj, then x_ij = −(Σ_{k=j}^{i−1} l_ik·x_kj)/l_ii for i = j+1, …, n−1, columns in
/// increasing j, so every l_ik still needed (k ≥ j, row i) is original when read. Upper mirrors it
/// (columns in decreasing j, rows upward).
func triangularInverseUnblocked<T: LinalgScalar>(part: TriangularPart, diagonal: Diagonal,
                                                 _ a: MutableMatrixView<T>) {
    let n = a.rows
    let unit = diagonal == .unit
    if part == .lower {
        for j in 0..<n {
            let xjj: T = unit ? 1 : 1 / a[j, j]
            if !unit { a[j, j] = xjj }
            for i in (j + 1)..<Swift.max(j + 1, n) {
                var s = a[i, j] * xjj
                for k in (j + 1)..<i { s += a[i, k] * a[k, j] }
                a[i, j] = unit ? -s : -s / a[i, i]
            }
        }
    } else {
        for j in stride(from: n - 1, through: 0, by: -1) {
            let xjj: T = unit ? 1 : 1 / a[j, j]
            if !unit { a[j, j] = xjj }
            for i in stride(from: j - 1, through: 0, by: -1) {
                var s = a[i, j] * xjj
                for k in (i + 1)..<j { s += a[i, k] * a[k, j] }
                a[i, j] = unit ? -s : -s / a[i, i]
            }
        }
    }
}
