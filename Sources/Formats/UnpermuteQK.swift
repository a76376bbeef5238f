import LinearAlgebraCore

/// The row permutation llama.cpp's `convert_hf_to_gguf.py` applies to LLaMA-family `q_proj` / `k_proj`
/// weights, and its inverse.
///
/// Hugging Face stores each head's rotary pairs as (first half, second half) of the head: row
/// h·D + s·D/2 + i for i < D/2, s ∈ {0, 1}; GGUF interleaves them: row h·D + 2i + s (D = rows / heads).
/// `permute` maps HF → GGUF, `unpermute` GGUF → HF. For q use the attention head count, for k the
/// key/value head count.
public enum QKPermutation {
    /// GGUF layout → Hugging Face layout.
    public static func unpermute<T: LinalgScalar>(_ m: Matrix<T>, heads: Int) throws(FormatError) -> Matrix<T> {
        try reorder(m, heads: heads) { h, d, s, i in (h * d + 2 * i + s, h * d + s * (d / 2) + i) }
    }

    /// The GGUF row holding Hugging Face row `row` of a matrix of `rows` rows in `heads` heads (the inverse map of
    /// ``unpermute(_:heads:)``, one row at a time).
    public static func ggufRow(ofHuggingFaceRow row: Int, rows: Int, heads: Int) -> Int {
        let d = rows / heads, h = row / d, t = row % d, s = t / (d / 2), i = t % (d / 2)
        return h * d + 2 * i + s
    }

    /// Hugging Face layout → GGUF layout.
    public static func permute<T: LinalgScalar>(_ m: Matrix<T>, heads: Int) throws(FormatError) -> Matrix<T> {
        try reorder(m, heads: heads) { h, d, s, i in (h * d + s * (d / 2) + i, h * d + 2 * i + s) }
    }

    /// Copies row `from` of `m` to row `to` of the result for every (head, half, index) triple.
    private static func reorder<T: LinalgScalar>(_ m: Matrix<T>, heads: Int,
                                                 _ map: (_ h: Int, _ d: Int, _ s: Int, _ i: Int) -> (from: Int, to: Int))
        throws(FormatError) -> Matrix<T> {
        guard heads > 0, m.rows % (2 * heads) == 0 else {
            throw FormatError.invalid(file: "<matrix>", field: "heads",
                                      reason: "\(m.rows) rows do not split into \(heads) heads of an even size")
        }
        let d = m.rows / heads, cols = m.cols
        var out = Matrix<T>(rows: m.rows, cols: cols)
        out.elements.withUnsafeMutableBufferPointer { dst in
            m.elements.withUnsafeBufferPointer { src in
                for h in 0..<heads {
                    for s in 0..<2 {
                        for i in 0..<(d / 2) {
                            let (from, to) = map(h, d, s, i)
                            for j in 0..<cols { dst[to * cols + j] = src[from * cols + j] }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension GGUFFile {
    /// GGUF → Hugging Face row order of a LLaMA attn_q (heads = attention heads) or attn_k
    /// (heads = key/value heads) weight. See ``QKPermutation``.
    public static func unpermuteQK(_ m: Matrix<Float>, heads: Int) throws(FormatError) -> Matrix<Float> {
        try QKPermutation.unpermute(m, heads: heads)
    }

    /// Tensor `name` decoded in Hugging Face layout: for the llama architecture the attn_q / attn_k rows are
    /// put back in the order of the original checkpoint, so GGUF and safetensors weights agree.
    public func dequantizeHF(_ name: String, config: ModelConfig, variant: DequantizeVariant = .simd,
                             parallelism: Parallelism = .serial) throws(FormatError) -> Matrix<Float> {
        let m = try dequantize(name, variant: variant, parallelism: parallelism)
        guard let heads = permutedHeads(name, config: config) else { return m }
        return try QKPermutation.unpermute(m.rows == 1 ? m.transposed() : m, heads: heads).reshapedLike(m)
    }

    /// The head count of tensor `name`'s ``QKPermutation`` when its rows are stored permuted (a llama attn_q or
    /// attn_k weight or bias: attention heads for q, key/value heads for k); nil when they are in Hugging Face order.
    public func permutedHeads(_ name: String, config: ModelConfig) -> Int? {
        guard architecture == "llama", config.architecture == .llama || config.architecture == .mistral else { return nil }
        if name.hasSuffix(".attn_q.weight") || name.hasSuffix(".attn_q.bias") { return config.headCount }
        if name.hasSuffix(".attn_k.weight") || name.hasSuffix(".attn_k.bias") { return config.kvHeadCount }
        return nil
    }
}

extension Matrix {
    /// The same elements with `other`'s shape (used to turn an n × 1 bias back into 1 × n).
    fileprivate func reshapedLike(_ other: Matrix) -> Matrix {
        Matrix(rows: other.rows, cols: other.cols, elements: elements)
    }
}
