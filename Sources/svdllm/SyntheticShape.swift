import ArgumentParser

/// The model shapes `svdllm synthesize` can generate: LLaMA-architecture decoders with untied output.
///
/// `llama-7b` is LLaMA 1/2 7B (Touvron et al. 2023): 32 layers, hidden 4096, SwiGLU width 11008, 32 heads of 128
/// (no grouped-query attention), vocabulary 32000, context 4096, RoPE θ = 10000, RMSNorm ε = 10⁻⁵ —
/// 6,738,415,616 parameters. `tiny` is the same architecture at test scale.
enum SyntheticShape: String, CaseIterable, ExpressibleByArgument, Sendable {
    case llama7b = "llama-7b"
    case tiny

    var layers: Int { self == .llama7b ? 32 : 2 }
    var hidden: Int { self == .llama7b ? 4096 : 256 }
    var intermediate: Int { self == .llama7b ? 11008 : 512 }
    var heads: Int { self == .llama7b ? 32 : 4 }
    var kvHeads: Int { heads }
    var headDim: Int { hidden / heads }
    var vocab: Int { self == .llama7b ? 32000 : 512 }
    var contextLength: Int { self == .llama7b ? 4096 : 512 }
    var ropeTheta: Float { 10_000 }
    var rmsEps: Float { 1e-5 }

    /// Every weight of the model: embedding, output, and per layer four attention and three MLP matrices and two norms,
    /// plus the final norm.
    var parameterCount: Int {
        let attention = hidden * heads * headDim * 2 + hidden * kvHeads * headDim * 2
        let mlp = 3 * hidden * intermediate
        return 2 * vocab * hidden + layers * (attention + mlp + 2 * hidden) + hidden
    }
}
