import LinearAlgebraCore
import TransformerRuntime

/// One decoder block of the LLaMA family (LLaMA, SmolLM2, Mistral, Qwen2) or Gemma 3, with a forward that keeps
/// its activations (``BlockActivations``) and the backward beside it. The forward is the runtime's
/// (``TransformerRuntime/LlamaBlock``, ``TransformerRuntime/Gemma3Block``) for sequences starting at position 0:
///
///     X = N_in(H);  Q, K, V = lin_q(X), lin_k(X), lin_v(X);  [Gemma 3: Q, K ← N_q(Q), N_k(K) per head]
///     Q, K ← RoPE(Q, K);   A = Attention(Q, K, V)
///     M = H + P_attn(lin_o(A))                   P_attn = N_postAttn (Gemma 3) or the identity
///     Y = N_preMLP(M);  G = act(lin_gate(Y)) ⊙ lin_up(Y)
///     out = M + P_mlp(lin_down(G))               P_mlp = N_postMLP (Gemma 3) or the identity
///
/// The backward runs the same steps in reverse (each op's backward: ``RMSNormOp``, ``RotaryOp``,
/// ``CausalAttentionOp``, ``GatedActivationOp``, ``TrainableLinear``); the residual connections add their
/// gradients. Only the linears' adapters receive parameter gradients.
public struct TrainableBlock<T: TrainingScalar>: Sendable {
    public var linears: [LinearName: TrainableLinear<T>]
    /// γ of the attention input norm (LLaMA `input_layernorm`) and of the MLP input norm.
    public var inputNorm: [T], preMLPNorm: [T]
    /// Gemma 3's post-norms and per-head q/k norms; nil for the LLaMA family.
    public var postAttentionNorm: [T]?, postMLPNorm: [T]?
    public var queryNorm: [T]?, keyNorm: [T]?
    public var eps: T
    public var attention: CausalAttentionOp.Shape
    /// RoPE ωᵢ (headDim / 2 values).
    public var inverseFrequencies: [Float]
    public var activation: Activation

    public init(linears: [LinearName: TrainableLinear<T>], inputNorm: [T], preMLPNorm: [T],
                postAttentionNorm: [T]? = nil, postMLPNorm: [T]? = nil, queryNorm: [T]? = nil, keyNorm: [T]? = nil,
                eps: T, attention: CausalAttentionOp.Shape, inverseFrequencies: [Float], activation: Activation) {
        self.linears = linears
        self.inputNorm = inputNorm
        self.preMLPNorm = preMLPNorm
        self.postAttentionNorm = postAttentionNorm
        self.postMLPNorm = postMLPNorm
        self.queryNorm = queryNorm
        self.keyNorm = keyNorm
        self.eps = eps
        self.attention = attention
        self.inverseFrequencies = inverseFrequencies
        self.activation = activation
    }

    /// The block on H (N × hidden); returns the output and what the backward needs.
    public func forward(_ h: Matrix<T>, layout: SequenceLayout, dropout: DropoutContext?,
                        parallelism: Parallelism) -> (Matrix<T>, BlockActivations<T>) {
        let p = parallelism, d = attention.headDim
        let (x, inputRstd) = RMSNormOp.forward(h, gamma: inputNorm, eps: eps, parallelism: p)
        var saved: [LinearName: TrainableLinear<T>.Saved] = [:]
        func project(_ name: LinearName, _ input: Matrix<T>) -> Matrix<T> {
            let (y, s) = linears[name]!.forward(input, dropout: dropout, parallelism: p)
            saved[name] = s
            return y
        }
        var q = project(.q, x), k = project(.k, x)
        let v = project(.v, x)
        var qRaw: Matrix<T>?, qRstd: [T]?, kRaw: Matrix<T>?, kRstd: [T]?
        if let qn = queryNorm, let kn = keyNorm {
            qRaw = q
            kRaw = k
            (q, qRstd) = RMSNormOp.forward(q, gamma: qn, eps: eps, parallelism: p)
            (k, kRstd) = RMSNormOp.forward(k, gamma: kn, eps: eps, parallelism: p)
        }
        RotaryOp.forward(&q, headDim: d, inverseFrequencies: inverseFrequencies, layout: layout, parallelism: p)
        RotaryOp.forward(&k, headDim: d, inverseFrequencies: inverseFrequencies, layout: layout, parallelism: p)
        let (a, probabilities) = CausalAttentionOp.forward(q: q, k: k, v: v, shape: attention, layout: layout, parallelism: p)
        var middle = h
        var attentionOutput: Matrix<T>?, attentionOutputRstd: [T]?
        if let post = postAttentionNorm {
            let o = project(.o, a)
            let (n, r) = RMSNormOp.forward(o, gamma: post, eps: eps, parallelism: p)
            MatrixProducts.add(n, to: &middle, parallelism: p)
            (attentionOutput, attentionOutputRstd) = (o, r)
        } else {
            saved[.o] = linears[.o]!.forward(a, into: &middle, beta: 1, dropout: dropout, parallelism: p)
        }
        let (y, mlpRstd) = RMSNormOp.forward(middle, gamma: preMLPNorm, eps: eps, parallelism: p)
        let gate = project(.gate, y), up = project(.up, y)
        let g = GatedActivationOp.forward(gate: gate, up: up, activation: activation, parallelism: p)
        var out = middle
        var mlpOutput: Matrix<T>?, mlpOutputRstd: [T]?
        if let post = postMLPNorm {
            let o = project(.down, g)
            let (n, r) = RMSNormOp.forward(o, gamma: post, eps: eps, parallelism: p)
            MatrixProducts.add(n, to: &out, parallelism: p)
            (mlpOutput, mlpOutputRstd) = (o, r)
        } else {
            saved[.down] = linears[.down]!.forward(g, into: &out, beta: 1, dropout: dropout, parallelism: p)
        }
        let acts = BlockActivations(input: h, inputRstd: inputRstd, normedInput: x, queryBeforeNorm: qRaw,
                                    queryRstd: qRstd, keyBeforeNorm: kRaw, keyRstd: kRstd, q: q, k: k, v: v,
                                    probabilities: probabilities, attention: a, attentionOutput: attentionOutput,
                                    attentionOutputRstd: attentionOutputRstd, middle: middle, mlpRstd: mlpRstd,
                                    normedMLP: y, gate: gate, up: up, mlpOutput: mlpOutput,
                                    mlpOutputRstd: mlpOutputRstd, saved: saved)
        return (out, acts)
    }

    /// dH (N × hidden) for dOut, accumulating the adapters' gradients.
    public mutating func backward(_ dOut: Matrix<T>, activations s: BlockActivations<T>, layout: SequenceLayout,
                                  dropout: DropoutContext?, parallelism: Parallelism) -> Matrix<T> {
        let p = parallelism, d = attention.headDim
        /// dX of linear `name` for dY, added into `dx` (β = 1) or written (β = 0).
        func back(_ name: LinearName, _ dy: Matrix<T>, input: Matrix<T>, into dx: inout Matrix<T>, beta: T) {
            linears[name]!.backward(dy, x: input, saved: s.saved[name]!, dropout: dropout, into: &dx, beta: beta,
                                    parallelism: p)
        }
        func needsInput(_ name: LinearName) -> Bool {
            let a = linears[name]!.adapters
            return a[.weight] != nil || a[.v] != nil
        }
        // MLP: out = M + P_mlp(lin_down(G)).
        var dDown = dOut
        if let post = postMLPNorm {
            dDown = RMSNormOp.backward(dOut, x: s.mlpOutput!, rstd: s.mlpOutputRstd!, gamma: post, parallelism: p)
        }
        let g = needsInput(.down) ? GatedActivationOp.forward(gate: s.gate, up: s.up, activation: activation, parallelism: p)
            : Matrix<T>(rows: 0, cols: 0)
        var dg: Matrix<T> = MatrixProducts.unfilled(rows: dOut.rows, cols: s.gate.cols)
        back(.down, dDown, input: g, into: &dg, beta: 0)
        let (dGate, dUp) = GatedActivationOp.backward(dg, gate: s.gate, up: s.up, activation: activation, parallelism: p)
        var dy: Matrix<T> = MatrixProducts.unfilled(rows: dOut.rows, cols: s.normedMLP.cols)
        back(.gate, dGate, input: s.normedMLP, into: &dy, beta: 0)
        back(.up, dUp, input: s.normedMLP, into: &dy, beta: 1)
        var dMiddle = dOut
        MatrixProducts.add(RMSNormOp.backward(dy, x: s.middle, rstd: s.mlpRstd, gamma: preMLPNorm, parallelism: p),
                           to: &dMiddle, parallelism: p)
        // Attention: M = H + P_attn(lin_o(A)).
        var dO = dMiddle
        if let post = postAttentionNorm {
            dO = RMSNormOp.backward(dMiddle, x: s.attentionOutput!, rstd: s.attentionOutputRstd!, gamma: post,
                                    parallelism: p)
        }
        var da: Matrix<T> = MatrixProducts.unfilled(rows: dOut.rows, cols: s.attention.cols)
        back(.o, dO, input: s.attention, into: &da, beta: 0)
        var (dq, dk, dv) = CausalAttentionOp.backward(da, q: s.q, k: s.k, v: s.v, probabilities: s.probabilities,
                                                      shape: attention, layout: layout, parallelism: p)
        RotaryOp.backward(&dq, headDim: d, inverseFrequencies: inverseFrequencies, layout: layout, parallelism: p)
        RotaryOp.backward(&dk, headDim: d, inverseFrequencies: inverseFrequencies, layout: layout, parallelism: p)
        if let qn = queryNorm, let kn = keyNorm {
            dq = RMSNormOp.backward(dq, x: s.queryBeforeNorm!, rstd: s.queryRstd!, gamma: qn, parallelism: p)
            dk = RMSNormOp.backward(dk, x: s.keyBeforeNorm!, rstd: s.keyRstd!, gamma: kn, parallelism: p)
        }
        var dx: Matrix<T> = MatrixProducts.unfilled(rows: dOut.rows, cols: s.normedInput.cols)
        back(.q, dq, input: s.normedInput, into: &dx, beta: 0)
        back(.k, dk, input: s.normedInput, into: &dx, beta: 1)
        back(.v, dv, input: s.normedInput, into: &dx, beta: 1)
        var dh = dMiddle
        MatrixProducts.add(RMSNormOp.backward(dx, x: s.input, rstd: s.inputRstd, gamma: inputNorm, parallelism: p),
                           to: &dh, parallelism: p)
        return dh
    }
}

extension TrainableBlock {
    /// Elements of the ``BlockActivations`` the forward keeps for a micro-batch laid out as `layout` (N rows), with
    /// the adapters the block has now:
    ///
    ///     N·(4·hidden + 2·heads·D + 2·kvHeads·D + 2·intermediate + 2)  +  heads·Σₛ Lₛ²
    ///     + Σ_linears N·r  (low-rank linears whose u factor has an adapter)  +  Σ_adapters N·r_LoRA
    ///     Gemma 3: + N·((heads + kvHeads)·(D + 1) + 2·hidden + 2)
    public func activationElements(layout: SequenceLayout) -> Int {
        let n = layout.rows, d = inputNorm.count, hd = attention.headDim
        let q = attention.heads * hd, kv = attention.kvHeads * hd, f = linears[.gate]!.outFeatures
        var e = n * (4 * d + 2 * q + 2 * kv + 2 * f + 2) + attention.heads * layout.squaredLengthSum
        if queryNorm != nil {
            e += n * ((attention.heads + attention.kvHeads) * (hd + 1) + 2 * d + 2)
        }
        for l in linears.values {
            if l.adapters[.u] != nil, let r = l.rank { e += n * r }
            e += l.adapters.values.reduce(0) { $0 + n * $1.rank }
        }
        return e
    }
}
