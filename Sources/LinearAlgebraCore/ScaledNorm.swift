/// ‖x‖₂ = √(Σ xᵢ²) of n elements, accumulated in Double with LAPACK xNRM2-style scaling: the running sum is
/// kept as scale²·ssq with scale = max |xᵢ| so far, so no square overflows or underflows.
@inlinable
public func scaledEuclideanNorm<T: LinalgScalar>(_ x: UnsafePointer<T>, count n: Int) -> Double {
    var scale = 0.0, ssq = 1.0
    for i in 0..<n {
        let a = abs(x[i].asDouble)
        guard a != 0 else { continue }
        if scale < a {
            ssq = 1 + ssq * (scale / a) * (scale / a)
            scale = a
        } else {
            ssq += (a / scale) * (a / scale)
        }
    }
    return scale * ssq.squareRoot()
}
