import LinearAlgebraCore

/// A LLaMA-family block (LLaMA 2/3, SmolLM2, Mistral with a sliding window, Qwen2 with q/k/v biases):
///
///     X = RMSNorm_attn(H);   Q, K, V = X W_qᵀ (+b), X W_kᵀ (+b), X W_vᵀ (+b);  Q, K ← RoPE(Q, K)
///     H ← H + Attention(Q, K, V) W_oᵀ
///     X = RMSNorm_mlp(H);    H ← H + (SiLU(X W_gateᵀ) ⊙ X W_upᵀ) W_downᵀ
public struct LlamaBlock: DecoderBlock {
    public var attentionNorm: RMSNorm
    public var mlpNorm: RMSNorm
    /// q, k, v, o, gate, up, down.
    public var linears: BlockLinears
    public let heads: Int, kvHeads: Int, headDim: Int
    public let rope: RotaryEmbedding
    /// Keys each query sees (Mistral); nil = full causal attention.
    public let window: Int?
    public let activation: Activation
    public var attentionVariant: Attention.Variant = .gemm
    public var attentionParams: Attention.Params = .default

    public init(attentionNorm: RMSNorm, q: Linear, k: Linear, v: Linear, o: Linear, mlpNorm: RMSNorm,
                gate: Linear, up: Linear, down: Linear, heads: Int, kvHeads: Int, headDim: Int,
                rope: RotaryEmbedding, window: Int?, activation: Activation) {
        self.attentionNorm = attentionNorm
        self.mlpNorm = mlpNorm
        linears = BlockLinears([.q: q, .k: k, .v: v, .o: o, .gate: gate, .up: up, .down: down], owner: "LLaMA")
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.rope = rope
        self.window = window
        self.activation = activation
    }

    public var linearGroups: [[LinearName]] { [[.q, .k, .v], [.o], [.gate, .up], [.down]] }

    public func step(_ step: Int, _ s: inout BlockState, context c: BlockContext, kv: inout KVCache.Layer) {
        switch step {
        case 0:
            s.x = c.normalized(s.h, attentionNorm)
        case 1:
            let qkv = c.projectGroup([linears[.q], linears[.k], linears[.v]], s.x, phase: .qkv)
            var q = qkv[0], k = qkv[1]
            let v = qkv[2]
            c.time(.rope) { rope.apply(queries: &q, keys: &k, firstPosition: c.firstPosition, parallelism: c.parallelism) }
            s.x = c.attend(q: q, k: k, v: v, kv: &kv, heads: heads, kvHeads: kvHeads, headDim: headDim, window: window,
                           scale: 1 / Float(headDim).squareRoot(), softcap: nil, variant: attentionVariant,
                           params: attentionParams)
        case 2:
            c.addProjection(linears[.o], s.x, to: &s.h, phase: .o)
            s.x = c.normalized(s.h, mlpNorm)
        case 3:
            s.x = c.gatedHidden(linears, s.x, activation)
        default:
            c.addProjection(linears[.down], s.x, to: &s.h, phase: .down)
            s.x = Matrix(rows: 0, cols: 0)
        }
    }
}
