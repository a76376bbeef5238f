import LinearAlgebraCore

/// An OPT block (pre-norm variant: every OPT size but 350m), biases on every linear, learned positions
/// (added at the embedding), ReLU MLP without a gate:
///
///     X = LayerNorm_attn(H);  Q, K, V = X W_qᵀ + b_q, X W_kᵀ + b_k, X W_vᵀ + b_v
///     H ← H + Attention(Q, K, V) W_oᵀ + b_o
///     X = LayerNorm_mlp(H);   H ← H + ReLU(X W_fc1ᵀ + b_fc1) W_fc2ᵀ + b_fc2
///
/// fc1 and fc2 are exposed as ``LinearName/up`` and ``LinearName/down``.
public struct OPTBlock: DecoderBlock {
    public var attentionNorm: LayerNorm
    public var q: Linear, k: Linear, v: Linear, o: Linear
    public var mlpNorm: LayerNorm
    public var fc1: Linear, fc2: Linear
    public let heads: Int, headDim: Int
    public var attentionVariant: Attention.Variant = .gemm
    public var attentionParams: Attention.Params = .default

    public init(attentionNorm: LayerNorm, q: Linear, k: Linear, v: Linear, o: Linear, mlpNorm: LayerNorm,
                fc1: Linear, fc2: Linear, heads: Int, headDim: Int) {
        self.attentionNorm = attentionNorm
        self.q = q; self.k = k; self.v = v; self.o = o
        self.mlpNorm = mlpNorm
        self.fc1 = fc1; self.fc2 = fc2
        self.heads = heads; self.headDim = headDim
    }

    public var linearNames: [LinearName] { [.q, .k, .v, .o, .up, .down] }

    public func linear(_ name: LinearName) -> Linear {
        switch name {
        case .q: return q
        case .k: return k
        case .v: return v
        case .o: return o
        case .up: return fc1
        case .down: return fc2
        case .gate: preconditionFailure("OPT has no gate projection")
        }
    }

    public mutating func setLinear(_ name: LinearName, to new: Linear) throws(RuntimeError) {
        guard name != .gate else { throw RuntimeError.invalidInput(argument: "name", reason: "OPT has no gate_proj") }
        try checkReplacement(name, new)
        switch name {
        case .q: q = new
        case .k: k = new
        case .v: v = new
        case .o: o = new
        case .up: fc1 = new
        case .down: fc2 = new
        case .gate: break
        }
    }

    public func forward(_ h: Matrix<Float>, context c: BlockContext, kv: inout KVCache.Layer,
                        capture: LinearInputCapture?) -> Matrix<Float> {
        let par = c.parallelism
        var h = h
        let x = attentionNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.q, .k, .v], x: x))
        let qs = q.forward(x, parallelism: par), ks = k.forward(x, parallelism: par)
        let vs = v.forward(x, parallelism: par)
        kv.store(keys: ks, values: vs, at: c.firstPosition)
        let a = Attention.forward(q: qs, keys: kv.keys, values: kv.values, heads: heads, kvHeads: heads,
                                  headDim: headDim, firstPosition: c.firstPosition, window: nil,
                                  scale: 1 / Float(headDim).squareRoot(), softcap: nil,
                                  variant: attentionVariant, parallelism: par, params: attentionParams)
        capture?(LinearInput(layer: c.layer, names: [.o], x: a))
        h.add(o.forward(a, parallelism: par))
        let y = mlpNorm.forward(h)
        capture?(LinearInput(layer: c.layer, names: [.up], x: y))
        var f = fc1.forward(y, parallelism: par)
        for i in f.elements.indices { f.elements[i] = Swift.max(f.elements[i], 0) }
        capture?(LinearInput(layer: c.layer, names: [.down], x: f))
        h.add(fc2.forward(f, parallelism: par))
        return h
    }
}
