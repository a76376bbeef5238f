import LinearAlgebraCore

/// Token embedding:  H[t] = E[tokenₜ] · scale   (tokens × hidden).
///
/// Backward (only a check of the chain; fine-tuning leaves E frozen): dE[tokenₜ] += scale · dH[t].
public enum EmbeddingOp {
    /// table: vocab × hidden. Returns tokens × hidden.
    public static func forward<T: TrainingScalar>(tokens: [Int], table: Matrix<T>, scale: T) -> Matrix<T> {
        let d = table.cols
        var h = Matrix<T>(rows: tokens.count, cols: d)
        h.elements.withUnsafeMutableBufferPointer { hb in
            table.elements.withUnsafeBufferPointer { e in
                for (t, id) in tokens.enumerated() {
                    precondition((0..<table.rows).contains(id), "EmbeddingOp: token \(id) outside the vocabulary")
                    for j in 0..<d { hb[t * d + j] = e[id * d + j] * scale }
                }
            }
        }
        return h
    }

    /// dTable (vocab × hidden) += the scattered rows of scale · dH.
    public static func backward<T: TrainingScalar>(_ dh: Matrix<T>, tokens: [Int], scale: T,
                                                   into dTable: inout Matrix<T>) {
        let d = dh.cols
        precondition(dh.rows == tokens.count && dTable.cols == d)
        for (t, id) in tokens.enumerated() {
            for j in 0..<d { dTable.elements[id * d + j] += scale * dh.elements[t * d + j] }
        }
    }
}
