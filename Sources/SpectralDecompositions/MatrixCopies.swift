import LinearAlgebraCore

// Copies the SVD drivers make of whole matrices, as plain specialized loops over the element buffers
// (LinearAlgebraCore's closure-based `Matrix.init(rows:cols:_:)`, `transposed()` and `maxAbs` are generic
// across the module boundary and showed up at ~20% of a 576 × 576 Jacobi SVD).

/// Aᵀ (a copy), in 32 × 32 tiles: ``transposedLeadingColumns(_:count:)`` of every column.
@_specialize(where T == Float)
@_specialize(where T == Double)
func transposedCopy<T: LinalgScalar>(_ a: Matrix<T>) -> Matrix<T> {
    transposedLeadingColumns(a, count: a.cols)
}

/// The upper-triangular k × n factor R stored on and above the diagonal of `factors` (k = min(m, n)), or Rᵀ
/// (n × k, lower) when `transposed`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func upperTriangle<T: LinalgScalar>(of factors: Matrix<T>, transposed: Bool) -> Matrix<T> {
    let (m, n) = (factors.rows, factors.cols)
    let k = Swift.min(m, n)
    var out = [T](repeating: 0, count: k * n)
    factors.elements.withUnsafeBufferPointer { f in
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<k {
                for j in i..<n {
                    if transposed { o[j * k + i] = f[i * n + j] } else { o[i * n + j] = f[i * n + j] }
                }
            }
        }
    }
    return transposed ? Matrix(rows: n, cols: k, elements: out) : Matrix(rows: k, cols: n, elements: out)
}

/// The matrix whose column j is column order[j] of `a`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func columnsPermuted<T: LinalgScalar>(_ a: Matrix<T>, _ order: [Int]) -> Matrix<T> {
    let (m, n) = (a.rows, a.cols)
    var out = [T](repeating: 0, count: m * order.count)
    a.elements.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<m {
                for (j, c) in order.enumerated() { dst[i * order.count + j] = src[i * n + c] }
            }
        }
    }
    return Matrix(rows: m, cols: order.count, elements: out)
}

/// The matrix whose column order[j] is column j of `a` (the inverse of ``columnsPermuted(_:_:)``).
@_specialize(where T == Float)
@_specialize(where T == Double)
func columnsScattered<T: LinalgScalar>(_ a: Matrix<T>, _ order: [Int]) -> Matrix<T> {
    let (m, n) = (a.rows, a.cols)
    var out = [T](repeating: 0, count: m * n)
    a.elements.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<m {
                for (j, c) in order.enumerated() { dst[i * n + c] = src[i * n + j] }
            }
        }
    }
    return Matrix(rows: m, cols: n, elements: out)
}

/// max |aᵢⱼ| in Double, after checking every element is finite: throws ``SVDError/nonFinite(row:col:)`` at
/// the first NaN or ±Inf in row-major order.
@_specialize(where T == Float)
@_specialize(where T == Double)
func finiteMaxAbs<T: LinalgScalar>(_ a: Matrix<T>) throws(SVDError) -> Double {
    // probe = Σ aᵢⱼ·0 is NaN exactly when some aᵢⱼ is NaN or ±Inf; both loops vectorize.
    let (big, probe) = a.elements.withUnsafeBufferPointer { e in
        var big = T(0), probe = T(0)
        for v in e {
            let x = abs(v)
            big = x > big ? x : big
            probe += v * 0
        }
        return (big, probe)
    }
    if !probe.isFinite || !big.isFinite, let bad = a.elements.firstIndex(where: { !$0.isFinite }) {
        throw .nonFinite(row: bad / a.cols, col: bad % a.cols)
    }
    return big.asDouble
}

/// A Float copy of `a` times 2^e; entries whose scaled magnitude is below Float's least normal number become 0
/// (no subnormals reach the Float kernels). Choose e so the scaled entries stay below Float's overflow limit.
func floatCopy(_ a: Matrix<Double>, scaledByPowerOfTwo e: Int) -> Matrix<Float> {
    let scale = Double(sign: .plus, exponent: e, significand: 1)
    let tiny = Double(Float.leastNormalMagnitude)
    var out = [Float](repeating: 0, count: a.elements.count)   // a.rows × a.cols, row-major
    a.elements.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<src.count {
                let x = src[i] * scale
                dst[i] = abs(x) < tiny ? 0 : Float(x)
            }
        }
    }
    return Matrix(rows: a.rows, cols: a.cols, elements: out)
}

/// `a` widened to Double (exact).
func doubleCopy(_ a: Matrix<Float>) -> Matrix<Double> {
    var out = [Double](repeating: 0, count: a.elements.count)   // a.rows × a.cols, row-major
    a.elements.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<src.count { dst[i] = Double(src[i]) }
        }
    }
    return Matrix(rows: a.rows, cols: a.cols, elements: out)
}

/// The first `c` columns of `a` (m × n), transposed: c × m, in 32 × 32 tiles.
@_specialize(where T == Float)
@_specialize(where T == Double)
func transposedLeadingColumns<T: LinalgScalar>(_ a: Matrix<T>, count c: Int) -> Matrix<T> {
    let (m, n) = (a.rows, a.cols)
    precondition(c >= 0 && c <= n, "transposedLeadingColumns: \(c) of \(n) columns")
    var out = [T](repeating: 0, count: c * m)   // c × m, row-major
    a.elements.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let tile = 32
            for i0 in stride(from: 0, to: m, by: tile) {
                for j0 in stride(from: 0, to: c, by: tile) {
                    for i in i0..<Swift.min(m, i0 + tile) {
                        for j in j0..<Swift.min(c, j0 + tile) { dst[j * m + i] = src[i * n + j] }
                    }
                }
            }
        }
    }
    return Matrix(rows: c, cols: m, elements: out)
}

/// ``Matrix/gaussian(rows:cols:seed:)`` (the same entries, drawn in row-major order), as a specialized loop.
@_specialize(where T == Float)
@_specialize(where T == Double)
func gaussianMatrix<T: LinalgScalar>(rows m: Int, cols n: Int, seed: UInt64, _: T.Type) -> Matrix<T> {
    var g = SeededGenerator(seed: seed)
    var out = [T](repeating: 0, count: m * n)   // m × n, row-major
    out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<dst.count { dst[i] = T(g.nextGaussian()) }
    }
    return Matrix(rows: m, cols: n, elements: out)
}
