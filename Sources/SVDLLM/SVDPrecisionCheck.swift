import GEMM
import LinearAlgebraCore
import SpectralDecompositions

/// How far one matrix's Float SVD of W·S (``SVDPrecision/float``) is from its Double SVD, at the kept rank r:
///
///     keptSigmaRelativeError   = max_{i≤r} |σᵢ − σ̂ᵢ| / σ̂ᵢ
///     sigmaErrorOverLargest    = max_i |σᵢ − σ̂ᵢ| / σ̂₁                       (every σ, the dropped ones too)
///     leftSubspaceSine         = ‖(I − Û_rÛ_rᵀ)·U_r‖₂ = sin of the largest principal angle between the spans
///     rightSubspaceSine        = ‖(I − V̂_rV̂_rᵀ)·V_r‖₂
///     truncationRelativeError  = ‖U_rΣ_rV_rᵀ − Û_rΣ̂_rV̂_rᵀ‖_F / ‖Û_rΣ̂_rV̂_rᵀ‖_F
///
/// (hats: the Double SVD). The principal angles measure the vectors, and are large when σ_r ≈ σ_{r+1} (the kept
/// span itself is then ill-determined); the truncation error measures what the factors W_u·W_v·S represent.
public struct SVDPrecisionCheck: Sendable, Codable, Equatable {
    public var keptSigmaRelativeError: Double
    public var sigmaErrorOverLargest: Double
    public var leftSubspaceSine: Double
    public var rightSubspaceSine: Double
    public var truncationRelativeError: Double

    public init(keptSigmaRelativeError: Double, sigmaErrorOverLargest: Double, leftSubspaceSine: Double,
                rightSubspaceSine: Double, truncationRelativeError: Double) {
        self.keptSigmaRelativeError = keptSigmaRelativeError
        self.sigmaErrorOverLargest = sigmaErrorOverLargest
        self.leftSubspaceSine = leftSubspaceSine
        self.rightSubspaceSine = rightSubspaceSine
        self.truncationRelativeError = truncationRelativeError
    }

    /// `svd` (the one checked) against `reference` (the Double SVD of the same W·S), both with at least r vectors.
    public init(_ svd: ScaledSVD, reference: ScaledSVD, rank r: Int) throws(SVDError) {
        precondition(r >= 1 && r <= svd.u.cols && r <= reference.u.cols, "SVDPrecisionCheck: rank \(r) outside the vectors")
        let s = svd.singularValues, ref = reference.singularValues
        keptSigmaRelativeError = (0..<r).reduce(0) { Swift.max($0, abs(s[$1] - ref[$1]) / Swift.max(ref[$1], .leastNormalMagnitude)) }
        sigmaErrorOverLargest = zip(s, ref).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) } / Swift.max(ref[0], .leastNormalMagnitude)
        let u = svd.u.submatrix(rows: 0..<svd.u.rows, cols: 0..<r), uRef = reference.u.submatrix(rows: 0..<svd.u.rows, cols: 0..<r)
        let v = svd.vt.submatrix(rows: 0..<r, cols: 0..<svd.vt.cols).transposed()
        let vRef = reference.vt.submatrix(rows: 0..<r, cols: 0..<svd.vt.cols).transposed()
        leftSubspaceSine = try Self.largestAngleSine(u, uRef)
        rightSubspaceSine = try Self.largestAngleSine(v, vRef)
        let a = Self.product(u, s, v), aRef = Self.product(uRef, ref, vRef)
        var diff = 0.0, norm = 0.0
        for k in a.elements.indices {
            let d = a.elements[k] - aRef.elements[k]
            diff += d * d
            norm += aRef.elements[k] * aRef.elements[k]
        }
        truncationRelativeError = (diff / Swift.max(norm, .leastNormalMagnitude)).squareRoot()
    }

    /// ‖(I − B·Bᵀ)·A‖₂ for A, B (n × r) with orthonormal columns: the largest singular value of A − B·(Bᵀ·A).
    static func largestAngleSine(_ a: Matrix<Double>, _ b: Matrix<Double>) throws(SVDError) -> Double {
        var rest = a
        let projected = matmul(b, matmul(b, a, transA: .transposed))  // n × r
        for k in rest.elements.indices { rest.elements[k] -= projected.elements[k] }
        let values = try SVD(rest, options: SVDOptions(computeVectors: .valuesOnly, algorithm: .bidiagonal)).singularValues
        return values.first ?? 0
    }

    /// U·diag(σ₁…σ_r)·Vᵀ (U m × r, V n × r).
    static func product(_ u: Matrix<Double>, _ s: [Double], _ v: Matrix<Double>) -> Matrix<Double> {
        var us = u
        let r = u.cols
        for i in 0..<us.rows { for j in 0..<r { us.elements[i * r + j] *= s[j] } }
        return matmul(us, v, transB: .transposed)
    }
}
