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
    public var mlpNorm: LayerNorm
    /// q, k, v, o, up (fc1), down (fc2); no gate.
    public var linears: BlockLinears
    public let heads: Int, headDim: Int
    public var attentionVariant: Attention.Variant = .gemm
    public var attentionParams: Attention.Params = .default

    public init(attentionNorm: LayerNorm, q: Linear, k: Linear, v: Linear, o: Linear, mlpNorm: LayerNorm,
                fc1: Linear, fc2: Linear, heads: Int, headDim: Int) {
        self.attentionNorm = attentionNorm
        self.mlpNorm = mlpNorm
        linears = BlockLinears([.q: q, .k: k, .v: v, .o: o, .up: fc1, .down: fc2], owner: "OPT")
        self.heads = heads; self.headDim = headDim
    }

    public var linearGroups: [[LinearName]] { [[.q, .k, .v], [.o], [.up], [.down]] }

    public func step(_ step: Int, _ s: inout BlockState, context c: BlockContext, kv: inout KVCache.Layer) {
        switch step {
        case 0:
            s.x = c.normalized(s.h, attentionNorm)
        case 1:
            let qkv = c.projectGroup([linears[.q], linears[.k], linears[.v]], s.x, phase: .qkv)
            s.x = c.attend(q: qkv[0], k: qkv[1], v: qkv[2], kv: &kv, heads: heads, kvHeads: heads, headDim: headDim,
                           window: nil, scale: 1 / Float(headDim).squareRoot(), softcap: nil, variant: attentionVariant,
                           params: attentionParams)
        case 2:
            c.addProjection(linears[.o], s.x, to: &s.h, phase: .o)
            s.x = c.normalized(s.h, mlpNorm)
        case 3:
            var f = c.project(linears[.up], s.x, phase: .gateUp)
            c.time(.activation) { for i in f.elements.indices { f.elements[i] = Swift.max(f.elements[i], 0) } }
            s.x = f
        default:
            c.addProjection(linears[.down], s.x, to: &s.h, phase: .down)
            s.x = Matrix(rows: 0, cols: 0)
        }
    }
}
