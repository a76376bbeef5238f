import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// A decoder-only model in training form: every weight a frozen T matrix, LoRA adapters on chosen linears, and a
/// forward that keeps its activations for the backward (llm.c style, one ``BlockActivations`` per block):
///
///     H₀ = E[tokens] · scale;   H_{l+1} = block_l(H_l);   ℓ = Σ_t CE(RMSNorm_final(H_L)_t W_outᵀ, y_t)
///
/// Backward: dH_L from the fused head and loss (``CrossEntropyOp``), through the final norm, then every block
/// in reverse (``TrainableBlock/backward(_:activations:layout:dropout:parallelism:)``), each block's activations
/// freed once used. Only the adapters get gradients.
///
/// Built from a runtime ``CausalLM`` of the LLaMA family or Gemma 3 (OPT stays forward-only), and written back
/// into one (``apply(to:)``) once the adapters are merged.
public struct TrainableModel<T: TrainingScalar>: Sendable {
    /// vocab × hidden.
    public var embedding: Matrix<T>
    public var embeddingScale: T
    public var blocks: [TrainableBlock<T>]
    public var finalNorm: [T]
    public var eps: T
    /// vocab × hidden; nil when tied to the embedding.
    public var output: Matrix<T>?
    public var parallelism: Parallelism

    public init(embedding: Matrix<T>, embeddingScale: T, blocks: [TrainableBlock<T>], finalNorm: [T], eps: T,
                output: Matrix<T>?, parallelism: Parallelism) {
        self.embedding = embedding
        self.embeddingScale = embeddingScale
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.eps = eps
        self.output = output
        self.parallelism = parallelism
    }

    /// The model's weights widened to T (frozen), no adapters yet.
    public init(_ model: CausalLM) throws(TrainingError) {
        guard model.config.architecture != .opt, model.positionEmbedding == nil else {
            throw .unsupportedModel(reason: "OPT (LayerNorm, learned positions) runs forward-only; fine-tuning covers the LLaMA family and Gemma 3")
        }
        guard model.finalLogitSoftcap == nil else { throw .unsupportedModel(reason: "final logit soft-capping") }
        guard let norm = model.finalNorm as? RMSNorm else { throw .unsupportedModel(reason: "a final norm other than RMSNorm") }
        func widen(_ m: Matrix<Float>) -> Matrix<T> { (m as? Matrix<T>) ?? m.converted(to: T.self) }
        func vector(_ v: [Float]) -> [T] { v.map { T(Double($0)) } }
        var blocks: [TrainableBlock<T>] = []
        for (i, block) in model.blocks.enumerated() {
            var linears: [LinearName: TrainableLinear<T>] = [:]
            for name in block.linearNames {
                let l = block.linear(name)
                let (u, v) = l.factors
                let weights: TrainableLinear<T>.Weights = v.map { .lowRank(u: widen(u.dequantized()), v: widen($0.dequantized())) }
                    ?? .dense(widen(u.dequantized()))
                linears[name] = TrainableLinear(weights: weights, bias: l.bias.map(vector),
                                                id: i * LinearName.allCases.count + LinearName.allCases.firstIndex(of: name)!)
            }
            if let b = block as? LlamaBlock {
                blocks.append(TrainableBlock(
                    linears: linears, inputNorm: vector(b.attentionNorm.gamma), preMLPNorm: vector(b.mlpNorm.gamma),
                    eps: T(Double(b.attentionNorm.eps)),
                    attention: .init(heads: b.heads, kvHeads: b.kvHeads, headDim: b.headDim, window: b.window,
                                     scale: Double(1 / Float(b.headDim).squareRoot())),
                    inverseFrequencies: b.rope.inverseFrequencies, activation: b.activation))
            } else if let b = block as? Gemma3Block {
                guard b.softcap == nil else { throw .unsupportedModel(reason: "attention logit soft-capping") }
                blocks.append(TrainableBlock(
                    linears: linears, inputNorm: vector(b.inputNorm.gamma), preMLPNorm: vector(b.preMLPNorm.gamma),
                    postAttentionNorm: vector(b.postAttentionNorm.gamma), postMLPNorm: vector(b.postMLPNorm.gamma),
                    queryNorm: vector(b.queryNorm.gamma), keyNorm: vector(b.keyNorm.gamma),
                    eps: T(Double(b.inputNorm.eps)),
                    attention: .init(heads: b.heads, kvHeads: b.kvHeads, headDim: b.headDim, window: b.window,
                                     scale: Double(b.scale)),
                    inverseFrequencies: b.rope.inverseFrequencies, activation: b.activation))
            } else {
                throw .unsupportedModel(reason: "block type \(type(of: block))")
            }
        }
        var output: Matrix<T>? = nil
        if !model.outputTied {
            guard model.output.bias == nil else { throw .unsupportedModel(reason: "an lm_head bias") }
            output = widen(model.output.denseWeight)
        }
        self.init(embedding: widen(model.embedding.dequantized()), embeddingScale: T(Double(model.embeddingScale)),
                  blocks: blocks, finalNorm: vector(norm.gamma), eps: T(Double(norm.eps)), output: output,
                  parallelism: model.parallelism)
    }

    /// Writes every linear back into `model` (f32; dense or low-rank as here, ranks unchanged). Adapters must
    /// be merged first (``mergeAdapters()``).
    public func apply(to model: inout CausalLM) throws(TrainingError) {
        func narrow(_ m: Matrix<T>) -> Matrix<Float> { (m as? Matrix<Float>) ?? m.converted(to: Float.self) }
        for (i, block) in blocks.enumerated() {
            for (name, l) in block.linears {
                precondition(l.adapters.isEmpty, "apply(to:) before the adapters are merged")
                let bias = l.bias.map { $0.map { Float($0.asDouble) } }
                let linear: Linear
                switch l.weights {
                case let .dense(w): linear = .dense(weight: narrow(w), bias: bias)
                case let .lowRank(u, v): linear = .lowRank(u: narrow(u), v: narrow(v), bias: bias)
                }
                do { try model.setLinear(layer: i, name: name, to: linear) } catch {
                    throw .unsupportedModel(reason: "\(error)")
                }
            }
        }
    }

    // MARK: - Adapters

    /// Every adapter in ``AdapterKey`` order.
    public var adapterKeys: [AdapterKey] {
        blocks.indices.flatMap { i in
            blocks[i].linears.flatMap { name, l in l.adapters.keys.map { AdapterKey(layer: i, name: name, site: $0) } }
        }.sorted()
    }

    /// Every site an adapter could go on, in ``AdapterKey`` order.
    public var adapterSites: [AdapterKey] {
        blocks.indices.flatMap { i in
            blocks[i].linears.flatMap { name, l in l.sites.map { AdapterKey(layer: i, name: name, site: $0) } }
        }.sorted()
    }

    public subscript(adapter key: AdapterKey) -> LoRAAdapter<T>? {
        get { blocks[key.layer].linears[key.name]?.adapters[key.site] }
        set { blocks[key.layer].linears[key.name]!.adapters[key.site] = newValue }
    }

    /// Adds a fresh adapter (``LoRAAdapter/init(inFeatures:outFeatures:rank:alpha:generator:)``) at each key, the
    /// A matrices drawn in key order from one generator seeded with `seed`.
    public mutating func addAdapters(_ keys: [AdapterKey], rank: Int, alpha: Double, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        for key in keys.sorted() {
            let (i, o) = blocks[key.layer].linears[key.name]!.shape(of: key.site)
            self[adapter: key] = LoRAAdapter(inFeatures: i, outFeatures: o, rank: rank, alpha: alpha, generator: &g)
        }
    }

    /// Folds every adapter into its matrix and removes it.
    public mutating func mergeAdapters() {
        for i in blocks.indices {
            for name in Array(blocks[i].linears.keys) { blocks[i].linears[name]!.mergeAdapters(parallelism: parallelism) }
        }
    }

    /// Trainable parameters (every adapter's A and B).
    public var adapterParameterCount: Int { adapterKeys.reduce(0) { $0 + self[adapter: $1]!.parameterCount } }

    public mutating func zeroGradients() {
        for key in adapterKeys { self[adapter: key]!.zeroGradients() }
    }

    // MARK: - Loss and gradients

    /// The summed next-token loss of a micro-batch and the number of scored positions, forward only (the
    /// activations of each block are dropped as soon as the next block has run).
    public func loss(_ batch: MicroBatch) -> (sum: Double, count: Int) {
        let (h, _) = hidden(batch, dropout: nil, keep: false)
        let (hn, _) = RMSNormOp.forward(h, gamma: finalNorm, eps: eps, parallelism: parallelism)
        let r = CrossEntropyOp.forward(hidden: hn, output: output ?? embedding, targets: batch.targets,
                                       gradientScale: nil, parallelism: parallelism)
        return (r.loss, r.count)
    }

    /// Forward and backward of one micro-batch: adds the gradients of `gradientScale` × its summed loss into
    /// every adapter's gradients and returns the summed loss and the scored positions. Returns dH₀ (the
    /// gradient at the embedding output) too, for checks of the whole chain.
    @discardableResult
    public mutating func accumulateGradients(_ batch: MicroBatch, gradientScale: T, dropout: DropoutContext?)
        -> (sum: Double, count: Int, dEmbedded: Matrix<T>) {
        var (h, activations) = hidden(batch, dropout: dropout, keep: true)
        let (hn, rstd) = RMSNormOp.forward(h, gamma: finalNorm, eps: eps, parallelism: parallelism)
        let r = CrossEntropyOp.forward(hidden: hn, output: output ?? embedding, targets: batch.targets,
                                       gradientScale: gradientScale, parallelism: parallelism)
        var dh = RMSNormOp.backward(r.dHidden!, x: h, rstd: rstd, gamma: finalNorm, parallelism: parallelism)
        for i in blocks.indices.reversed() {
            let a = activations.removeLast()
            dh = blocks[i].backward(dh, activations: a, layout: batch.layout, dropout: dropout, parallelism: parallelism)
        }
        return (r.loss, r.count, dh)
    }

    /// H_L, and each block's activations when `keep` (else they are dropped block by block).
    func hidden(_ batch: MicroBatch, dropout: DropoutContext?, keep: Bool) -> (Matrix<T>, [BlockActivations<T>]) {
        var h = EmbeddingOp.forward(tokens: batch.tokens, table: embedding, scale: embeddingScale)
        var kept: [BlockActivations<T>] = []
        kept.reserveCapacity(keep ? blocks.count : 0)
        for b in blocks {
            let (out, acts) = b.forward(h, layout: batch.layout, dropout: dropout, parallelism: parallelism)
            if keep { kept.append(acts) }
            h = out
        }
        return (h, kept)
    }
}

extension TrainableModel {
    /// Elements the forward of one micro-batch keeps for its backward: every block's
    /// (``TrainableBlock/activationElements(layout:)``) plus the final hidden states and their norm
    /// (2·N·hidden + N). The backward's transient buffers come on top (``backwardTransientElements(layout:)``).
    public func activationElements(layout: SequenceLayout) -> Int {
        blocks.reduce(0) { $0 + $1.activationElements(layout: layout) } + layout.rows * (2 * embedding.cols + 1)
    }

    /// Elements the backward of one micro-batch (N rows) holds beside the kept activations, at its largest: the
    /// larger of
    ///
    ///     the head (``CrossEntropyOp``):  c·vocab + 2·c·hidden + 2·N·hidden      (c = min(N, its row block))
    ///     one block's MLP backward:       N·(4·intermediate + 4·hidden + r_max)   (act(gate)⊙up recomputed,
    ///                                     its gradient, dGate, dUp; dY, the norm's dX, dMiddle, the incoming dH;
    ///                                     dT of a low-rank linear of rank r_max)
    ///     one block's attention backward: N·(2·heads·D + 2·kvHeads·D + 4·hidden + r_max)
    ///
    /// (the GEMM's packed panels and the allocator's own slack are not counted).
    public func backwardTransientElements(layout: SequenceLayout) -> Int {
        let n = layout.rows, d = embedding.cols, vocab = (output ?? embedding).rows
        let c = Swift.min(n, CrossEntropyOp.defaultRowBlock)
        var largest = c * vocab + 2 * c * d + 2 * n * d
        for b in blocks {
            let rank = b.linears.values.compactMap(\.rank).max() ?? 0
            let f = b.linears[.gate]!.outFeatures, q = b.attention.heads * b.attention.headDim
            let kv = b.attention.kvHeads * b.attention.headDim
            largest = Swift.max(largest, n * (4 * f + 4 * d + rank), n * (2 * q + 2 * kv + 4 * d + rank))
        }
        return largest
    }
}

extension TrainableModel {
    /// Elements of the frozen weights (every linear's matrices and biases, the embedding, the untied output,
    /// the norms' γ).
    public var weightElements: Int {
        var n = embedding.elements.count + (output?.elements.count ?? 0) + finalNorm.count
        for b in blocks {
            n += b.inputNorm.count + b.preMLPNorm.count + (b.postAttentionNorm?.count ?? 0) + (b.postMLPNorm?.count ?? 0)
                + (b.queryNorm?.count ?? 0) + (b.keyNorm?.count ?? 0)
            for l in b.linears.values {
                switch l.weights {
                case let .dense(w): n += w.elements.count
                case let .lowRank(u, v): n += u.elements.count + v.elements.count
                }
                n += l.bias?.count ?? 0
            }
        }
        return n
    }
}
