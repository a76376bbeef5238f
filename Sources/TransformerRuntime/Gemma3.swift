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

    public var linearGroups: [[LinearName]] { [[.q, .k, .v], [.o], [.gate, .up], [.down]] }

    public func step(_ step: Int, _ s: inout BlockState, context c: BlockContext, kv: inout KVCache.Layer) {
        switch step {
        case 0:
            s.x = c.normalized(s.h, inputNorm)
        case 1:
            let qkv = c.projectGroup([linears[.q], linears[.k], linears[.v]], s.x, phase: .qkv)
            var q = qkv[0], k = qkv[1]
            let v = qkv[2]
            c.time(.norm) {
                queryNorm.apply(to: &q, parallelism: c.parallelism)
                keyNorm.apply(to: &k, parallelism: c.parallelism)
            }
            c.time(.rope) { rope.apply(queries: &q, keys: &k, firstPosition: c.firstPosition, parallelism: c.parallelism) }
            s.x = c.attend(q: q, k: k, v: v, kv: &kv, heads: heads, kvHeads: kvHeads, headDim: headDim, window: window,
                           scale: scale, softcap: softcap, variant: attentionVariant, params: attentionParams)
        case 2:
            c.addResidual(c.normalized(c.project(linears[.o], s.x, phase: .o), postAttentionNorm), to: &s.h)
            s.x = c.normalized(s.h, preMLPNorm)
        case 3:
            s.x = c.gatedHidden(linears, s.x, activation)
        default:
            c.addResidual(c.normalized(c.project(linears[.down], s.x, phase: .down), postMLPNorm), to: &s.h)
            s.x = Matrix(rows: 0, cols: 0)
        }
    }
}
