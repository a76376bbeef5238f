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
        let par = c.parallelism, prof = c.profile, t = h.rows
        var h = h
        let x = prof.measure(.norm) { attentionNorm.forward(h) }
        capture?(LinearInput(layer: c.layer, names: [.q, .k, .v], x: x))
        let (q, k, v) = (linears[.q], linears[.k], linears[.v])
        var (qs, ks, vs) = prof.measure(.qkv, flops: q.flops(rows: t) + k.flops(rows: t) + v.flops(rows: t)) {
            (q.forward(x, parallelism: par), k.forward(x, parallelism: par), v.forward(x, parallelism: par))
        }
        prof.measure(.rope) {
            rope.apply(to: &qs, firstPosition: c.firstPosition)
            rope.apply(to: &ks, firstPosition: c.firstPosition)
        }
        let a = prof.measure(.attention) {
            kv.store(keys: ks, values: vs, at: c.firstPosition)
            return Attention.forward(q: qs, keys: kv.keys, values: kv.values, heads: heads, kvHeads: kvHeads,
                                     headDim: headDim, firstPosition: c.firstPosition, window: window,
                                     scale: 1 / Float(headDim).squareRoot(), softcap: nil,
                                     variant: attentionVariant, parallelism: par, params: attentionParams)
        }
        capture?(LinearInput(layer: c.layer, names: [.o], x: a))
        let ao = prof.measure(.o, flops: linears[.o].flops(rows: t)) { linears[.o].forward(a, parallelism: par) }
        prof.measure(.residual) { h.add(ao) }
        let y = prof.measure(.norm) { mlpNorm.forward(h) }
        capture?(LinearInput(layer: c.layer, names: [.gate, .up], x: y))
        let (gate, up) = (linears[.gate], linears[.up])
        var (g, u) = prof.measure(.gateUp, flops: gate.flops(rows: t) + up.flops(rows: t)) {
            (gate.forward(y, parallelism: par), up.forward(y, parallelism: par))
        }
        prof.measure(.activation) { activation.gated(&g, times: u, parallelism: par) }
        capture?(LinearInput(layer: c.layer, names: [.down], x: g))
        let d = prof.measure(.down, flops: linears[.down].flops(rows: t)) { linears[.down].forward(g, parallelism: par) }
        prof.measure(.residual) { h.add(d) }
        return h
    }
}
