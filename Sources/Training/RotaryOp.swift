import LinearAlgebraCore

/// Rotary position embedding ("rotate half", as ``TransformerRuntime/RotaryEmbedding``) on every head of every
/// row, row r at position p = its position in its sequence (``SequenceLayout``), angle θᵢ = p·ωᵢ:
///
///     (a, b) ← (a cos θᵢ − b sin θᵢ,  b cos θᵢ + a sin θᵢ)        a = xᵢ, b = x_{i+D/2}
///
/// A rotation, so the backward is the rotation by −θᵢ:  (da, db) ← (da cos θᵢ + db sin θᵢ,  db cos θᵢ − da sin θᵢ).
/// Both work in place and keep nothing.
public enum RotaryOp {
    /// Rotates `x` (rows × heads·D) by +θ.
    public static func forward<T: TrainingScalar>(_ x: inout Matrix<T>, headDim: Int, inverseFrequencies: [Float],
                                                  layout: SequenceLayout, parallelism: Parallelism) {
        rotate(&x, headDim: headDim, inverseFrequencies: inverseFrequencies, layout: layout, sign: 1,
               parallelism: parallelism)
    }

    /// Rotates the gradient `dx` (rows × heads·D) by −θ.
    public static func backward<T: TrainingScalar>(_ dx: inout Matrix<T>, headDim: Int, inverseFrequencies: [Float],
                                                   layout: SequenceLayout, parallelism: Parallelism) {
        rotate(&dx, headDim: headDim, inverseFrequencies: inverseFrequencies, layout: layout, sign: -1,
               parallelism: parallelism)
    }

    /// The angle is rounded to T before its cosine, as the runtime rounds it to Float.
    static func rotate<T: TrainingScalar>(_ x: inout Matrix<T>, headDim d: Int, inverseFrequencies w: [Float],
                                          layout: SequenceLayout, sign: T, parallelism: Parallelism) {
        let half = d / 2, width = x.cols
        precondition(width % d == 0 && w.count == half && x.rows == layout.rows)
        let positions = layout.positions
        let freq = w.map { T(Double($0)) }
        MatrixProducts.forEachRowRange(&x, parallelism: parallelism) { rows, base in
            var cosT = [T](repeating: 0, count: half), sinT = [T](repeating: 0, count: half)
            for r in rows {
                let p = T(positions[r])
                for i in 0..<half {
                    let angle = p * freq[i]
                    cosT[i] = T.cos(angle)
                    sinT[i] = sign * T.sin(angle)
                }
                for h in stride(from: 0, to: width, by: d) {
                    let v = base + r * width + h
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        v[i] = a * cosT[i] - b * sinT[i]
                        v[i + half] = b * cosT[i] + a * sinT[i]
                    }
                }
            }
        }
    }
}
