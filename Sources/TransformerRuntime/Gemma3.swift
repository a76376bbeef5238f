import LinearAlgebraCore

/// A Gemma 3 block: pre- and post-norms around both sublayers, RMS-normalized q/k heads, GeGLU MLP,
/// local (sliding-window, RoPE θ = 10⁴) or global (θ = 10⁶) attention with scale 1/√query_pre_attn_scalar:
///
///     X = RMSNorm_in(H);  Q, K, V = X W_qᵀ, X W_kᵀ, X W_vᵀ;  Q, K ← RoPE(RMSNorm_q(Q), RMSNorm_k(K)) per head
///     H ← H + RMSNorm_postAttn(Attention(Q, K, V) W_oᵀ)
///     X = RMSNorm_preMLP(H);  H ← H + RMSNorm_postMLP((GELUtanh(X W_gateᵀ) ⊙ X W_upᵀ) W_downᵀ)
///
/// Every norm multiplies by (1 + w); ``RMSNorm/gamma`` already holds 1 + w.
public struct Gemma3Block: DecoderBlock {
    public var inputNorm: RMSNorm, postAttentionNorm: RMSNorm, preMLPNorm: RMSNorm, postMLPNorm: RMSNorm
    public var queryNorm: RMSNorm, keyNorm: RMSNorm
    /// q, k, v, o, gate, up, down.
    public var linears: BlockLinears
    public let heads: Int, kvHeads: Int, headDim: Int
    public let rope: RotaryEmbedding
    /// Sliding window of a local layer; nil on global layers.
    public let window: Int?
    public let scale: Float
    public let softcap: Float?
    public let activation: Activation
    public var attentionVariant: Attention.Variant = .gemm
    public var attentionParams: Attention.Params = .default

    public init(inputNorm: RMSNorm, postAttentionNorm: RMSNorm, preMLPNorm: RMSNorm, postMLPNorm: RMSNorm,
                queryNorm: RMSNorm, keyNorm: RMSNorm, q: Linear, k: Linear, v: Linear, o: Linear,
                gate: Linear, up: Linear, down: Linear, heads: Int, kvHeads: Int, headDim: Int,
                rope: RotaryEmbedding, window: Int?, scale: Float, softcap: Float?, activation: Activation) {
        self.inputNorm = inputNorm; self.postAttentionNorm = postAttentionNorm
        self.preMLPNorm = preMLPNorm; self.postMLPNorm = postMLPNorm
        self.queryNorm = queryNorm; self.keyNorm = keyNorm
        linears = BlockLinears([.q: q, .k: k, .v: v, .o: o, .gate: gate, .up: up, .down: down], owner: "Gemma 3")
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.rope = rope
        self.window = window
        self.scale = scale
        self.softcap = softcap
        self.activation = activation
    }

    public func forward(_ h: Matrix<Float>, context c: BlockContext, kv: inout KVCache.Layer,
                        capture: LinearInputCapture?) -> Matrix<Float> {
        let par = c.parallelism
        var h = h
        let x = inputNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.q, .k, .v], x: x))
        var qs = linears[.q].forward(x, parallelism: par), ks = linears[.k].forward(x, parallelism: par)
        let vs = linears[.v].forward(x, parallelism: par)
        queryNorm.apply(to: &qs)
        keyNorm.apply(to: &ks)
        rope.apply(to: &qs, firstPosition: c.firstPosition)
        rope.apply(to: &ks, firstPosition: c.firstPosition)
        kv.store(keys: ks, values: vs, at: c.firstPosition)
        let a = Attention.forward(q: qs, keys: kv.keys, values: kv.values, heads: heads, kvHeads: kvHeads,
                                  headDim: headDim, firstPosition: c.firstPosition, window: window,
                                  scale: scale, softcap: softcap,
                                  variant: attentionVariant, parallelism: par, params: attentionParams)
        capture?(LinearInput(layer: c.layer, names: [.o], x: a))
        h.add(postAttentionNorm.forward(linears[.o].forward(a, parallelism: par)))
        let y = preMLPNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.gate, .up], x: y))
        var g = linears[.gate].forward(y, parallelism: par)
        activation.gated(&g, times: linears[.up].forward(y, parallelism: par), parallelism: par)
        capture?(LinearInput(layer: c.layer, names: [.down], x: g))
        h.add(postMLPNorm.forward(linears[.down].forward(g, parallelism: par)))
        return h
    }
}
