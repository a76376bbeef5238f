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

    public func forward(_ h: Matrix<Float>, context c: BlockContext, kv: inout KVCache.Layer,
                        capture: LinearInputCapture?) -> Matrix<Float> {
        var h = h
        let x = c.normalized(h, attentionNorm)
        capture?(LinearInput(layer: c.layer, names: [.q, .k, .v], x: x))
        let qkv = c.projectGroup([linears[.q], linears[.k], linears[.v]], x, phase: .qkv)
        var q = qkv[0], k = qkv[1]
        let v = qkv[2]
        c.time(.rope) { rope.apply(queries: &q, keys: &k, firstPosition: c.firstPosition, parallelism: c.parallelism) }
        let a = c.attend(q: q, k: k, v: v, kv: &kv, heads: heads, kvHeads: kvHeads, headDim: headDim, window: window,
                         scale: 1 / Float(headDim).squareRoot(), softcap: nil, variant: attentionVariant,
                         params: attentionParams)
        capture?(LinearInput(layer: c.layer, names: [.o], x: a))
        c.addProjection(linears[.o], a, to: &h, phase: .o)
        let y = c.normalized(h, mlpNorm)
        capture?(LinearInput(layer: c.layer, names: [.gate, .up], x: y))
        let g = c.gatedHidden(linears, y, activation)
        capture?(LinearInput(layer: c.layer, names: [.down], x: g))
        c.addProjection(linears[.down], g, to: &h, phase: .down)
        return h
    }
}
