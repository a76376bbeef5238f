import LinearAlgebraCore

/// Throws ``QuantizationError/nonFinite(tensor:row:col:)`` at the first NaN or ±Inf of `m` (row-major order).
func checkFinite<T: LinalgScalar>(_ m: Matrix<T>, tensor: String) throws(QuantizationError) {
    guard let k = m.elements.firstIndex(where: { !$0.isFinite }) else { return }
    throw .nonFinite(tensor: tensor, row: k / m.cols, col: k % m.cols)
}
