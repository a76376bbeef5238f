import Factorizations
import GEMM
import LinearAlgebraCore

/// The single place the SVD code factors A = QR: the Jacobi preconditioner (work on R, then U = Q·U_R) and the
/// randomized range finder's re-orthonormalization. Uses Factorizations' blocked compact-WY `HouseholderQR`.
/// Returns R (k × n) and, when `wantQ`, the thin Q (m × k), k = min(m, n).
func factorQR<T: GEMMScalar>(_ a: Matrix<T>, wantQ: Bool, parallelism: Parallelism) -> (q: Matrix<T>?, r: Matrix<T>) {
    let qr = HouseholderQR(a, parallelism: parallelism)
    return (wantQ ? qr.thinQ(parallelism: parallelism) : nil, upperTriangle(of: qr.factors, transposed: false))
}

/// ``factorQR(_:wantQ:parallelism:)`` of `a` (k × n upper trapezoidal, as R from a first QR), or of aᵀ when
/// `transposed` (the LQ step of the Drmač–Veselić preconditioner: aᵀ = Q₂R₂).
func factorQR<T: GEMMScalar>(_ a: Matrix<T>, transposed: Bool, wantQ: Bool,
                             parallelism: Parallelism) -> (q: Matrix<T>?, r: Matrix<T>) {
    factorQR(transposed ? transposedCopy(a) : a, wantQ: wantQ, parallelism: parallelism)
}
