import GEMM
import LinearAlgebraCore

/// The output error of replacing W by Ŵ in a linear layer, over the calibration inputs X (N × in) whose Gram
/// G = XᵀX is given:
///
///     ‖X(W − Ŵ)ᵀ‖_F² = tr((W − Ŵ) G (W − Ŵ)ᵀ) = Σ_r d_rᵀ G d_r,   d_r = row r of W − Ŵ,
///
/// computed in Double (D·G by GEMM, then Σ (D ∘ DG)). The measure GPTQ minimizes, to compare it with RTN.
///
/// - Throws: ``QuantizationError/shapeMismatch(tensor:expected:got:)`` when Ŵ's shape is not W's (naming
///   "<name>.quantized"), ``QuantizationError/gramSizeMismatch(tensor:expected:rows:cols:)`` for a Gram that is not
///   in × in (naming "<name>.gram").
public func layerOutputError(original w: Matrix<Float>, quantized q: Matrix<Float>, gram: Matrix<Double>,
                             name: String = "weight", parallelism: Parallelism = .serial)
    throws(QuantizationError) -> Double {
    guard q.rows == w.rows && q.cols == w.cols else {
        throw .shapeMismatch(tensor: "\(name).quantized", expected: "\(w.rows)×\(w.cols)", got: "\(q.rows)×\(q.cols)")
    }
    guard gram.rows == w.cols && gram.cols == w.cols else {
        throw .gramSizeMismatch(tensor: "\(name).gram", expected: w.cols, rows: gram.rows, cols: gram.cols)
    }
    let d = Matrix<Double>(rows: w.rows, cols: w.cols) { w[$0, $1].asDouble - q[$0, $1].asDouble }
    let dg = matmul(d, gram, parallelism: parallelism)
    var total = 0.0
    for k in 0..<d.elements.count { total += d.elements[k] * dg.elements[k] }
    return total
}

/// ``layerOutputError(original:quantized:gram:name:parallelism:)`` for quantized weights (dequantized first).
public func layerOutputError(original w: Matrix<Float>, quantized q: QuantizedWeights, gram: Matrix<Double>,
                             name: String = "weight", parallelism: Parallelism = .serial)
    throws(QuantizationError) -> Double {
    try layerOutputError(original: w, quantized: q.dequantized(), gram: gram, name: name, parallelism: parallelism)
}
