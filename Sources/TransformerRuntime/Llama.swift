import LinearAlgebraCore

/// A LLaMA-family block (LLaMA 2/3, SmolLM2, Mistral with a sliding window, Qwen2 with q/k/v biases):
///
///     X = RMSNorm_attn(H);   Q, K, V = X W_qᵀ (+b), X W_kᵀ (+b), X W_vᵀ (+b);  Q, K ← RoPE(Q, K)
///     H ← H + Attention(Q, K, V) W_oᵀ
///     X = RMSNorm_mlp(H);    H ← H + (SiLU(X W_gateᵀ) ⊙ X W_upᵀ) W_downᵀ
public struct LlamaBlock: DecoderBlock {
    public var attentionNorm: RMSNorm
    public var q: Linear, k: Linear, v: Linear, o: Linear
    public var mlpNorm: RMSNorm
    public var gate: Linear, up: Linear, down: Linear
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
        self.q = q; self.k = k; self.v = v; self.o = o
        self.mlpNorm = mlpNorm
        self.gate = gate; self.up = up; self.down = down
        self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.rope = rope
        self.window = window
        self.activation = activation
    }

    public var linearNames: [LinearName] { LinearName.allCases }

    public func linear(_ name: LinearName) -> Linear {
        switch name {
        case .q: return q
        case .k: return k
        case .v: return v
        case .o: return o
        case .gate: return gate
        case .up: return up
        case .down: return down
        }
    }

    public mutating func setLinear(_ name: LinearName, to new: Linear) throws(RuntimeError) {
        try checkReplacement(name, new)
        switch name {
        case .q: q = new
        case .k: k = new
        case .v: v = new
        case .o: o = new
        case .gate: gate = new
        case .up: up = new
        case .down: down = new
        }
    }

    public func forward(_ h: Matrix<Float>, context c: BlockContext, kv: inout KVCache.Layer,
                        capture: LinearInputCapture?) -> Matrix<Float> {
        let par = c.parallelism
        var h = h
        let x = attentionNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.q, .k, .v], x: x))
        var qs = q.forward(x, parallelism: par), ks = k.forward(x, parallelism: par)
        let vs = v.forward(x, parallelism: par)
        rope.apply(to: &qs, firstPosition: c.firstPosition)
        rope.apply(to: &ks, firstPosition: c.firstPosition)
        kv.store(keys: ks, values: vs, at: c.firstPosition)
        let a = Attention.forward(q: qs, keys: kv.keys, values: kv.values, heads: heads, kvHeads: kvHeads,
                                  headDim: headDim, firstPosition: c.firstPosition, window: window,
                                  scale: 1 / Float(headDim).squareRoot(), softcap: nil,
                                  variant: attentionVariant, parallelism: par, params: attentionParams)
        capture?(LinearInput(layer: c.layer, names: [.o], x: a))
        h.add(o.forward(a, parallelism: par))
        let y = mlpNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.gate, .up], x: y))
        var g = gate.forward(y, parallelism: par)
        activation.gated(&g, times: up.forward(y, parallelism: par), parallelism: par)
        capture?(LinearInput(layer: c.layer, names: [.down], x: g))
        h.add(down.forward(g, parallelism: par))
        return h
    }
}
