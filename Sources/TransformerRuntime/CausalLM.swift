import Foundation
import Formats
import GEMM
import LinearAlgebraCore

/// A decoder-only language model: embedding, blocks, final norm, output projection.
///
///     H₀ = E[tokens] · embeddingScale            (tokens × hidden)
///     H_{l+1} = block_l(H_l)                     (l < layers)
///     logits = RMSNorm_final(H_L) W_outᵀ          (tokens × vocab; W_out = E when tied), optionally soft-capped
///
/// The evaluation calls ``forward(tokens:cache:)``; the compression pipeline walks the blocks itself with
/// ``embed(_:)``, ``forwardLayer(_:_:firstPosition:capture:)`` and ``setLinear(layer:name:to:)``.
public struct CausalLM: Sendable {
    public let config: ModelConfig
    /// vocab × hidden, in any storage (rows are widened as tokens are looked up).
    public var embedding: WeightMatrix
    /// Gemma: √hidden; 1 otherwise.
    public var embeddingScale: Float
    /// OPT's learned positions: row p + ``positionOffset`` is added to the embedding of position p.
    public var positionEmbedding: Matrix<Float>? = nil
    public var positionOffset = 0
    public var blocks: [any DecoderBlock]
    public var finalNorm: any Normalization
    /// vocab × hidden (the embedding itself when tied: same storage, copy-on-write).
    public var output: Linear
    public var finalLogitSoftcap: Float?
    /// Threads every call uses.
    public var parallelism: Parallelism
    /// When set, every forward adds its per-phase times to it.
    public var profile: ForwardProfile?
    /// The one-token (decode) product of the integer storages (q8, int4): ``WeightMatrix/GEMVVariant/int8Input``
    /// (the input rounded to 8 bits, integer dot products: llama.cpp's scheme) or ``WeightMatrix/GEMVVariant/simd``
    /// (the f32 input). The float storages and every many-token product are the same either way.
    public var decodeProduct: WeightMatrix.GEMVVariant = .int8Input

    public init(config: ModelConfig, embedding: WeightMatrix, embeddingScale: Float, blocks: [any DecoderBlock],
                finalNorm: any Normalization, output: Linear, outputTied: Bool, finalLogitSoftcap: Float?,
                parallelism: Parallelism) {
        self.outputTied = outputTied
        self.config = config
        self.embedding = embedding
        self.embeddingScale = embeddingScale
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.output = output
        self.finalLogitSoftcap = finalLogitSoftcap
        self.parallelism = parallelism
    }

    /// The same with an f32 embedding.
    public init(config: ModelConfig, embedding: Matrix<Float>, embeddingScale: Float, blocks: [any DecoderBlock],
                finalNorm: any Normalization, output: Linear, outputTied: Bool, finalLogitSoftcap: Float?,
                parallelism: Parallelism) {
        self.init(config: config, embedding: .f32(embedding), embeddingScale: embeddingScale, blocks: blocks,
                  finalNorm: finalNorm, output: output, outputTied: outputTied, finalLogitSoftcap: finalLogitSoftcap,
                  parallelism: parallelism)
    }

    public var vocabularySize: Int { embedding.rows }
    public var hiddenSize: Int { embedding.cols }
    public var layerCount: Int { blocks.count }

    /// Whether ``output`` is the token embedding (counted once in ``parameterCount``).
    public var outputTied: Bool

    /// Embedding, linear and final-norm parameters (the tied output counted once; the blocks' norm vectors,
    /// < 0.1 % of the total, are not counted).
    public var parameterCount: Int {
        embedding.rows * embedding.cols + blocks.reduce(0) { $0 + $1.linearParameterCount }
            + finalNorm.parameterCount + (positionEmbedding?.elements.count ?? 0) + (outputTied ? 0 : output.parameterCount)
    }

    /// Bytes of the weights as stored: the embedding, every linear (in its storage), the final norm and learned
    /// positions (the tied output counted once; the blocks' norm vectors, < 0.1 %, are not counted).
    public var weightBytes: Int {
        embedding.byteCount + blocks.reduce(0) { t, b in t + b.linearNames.reduce(0) { $0 + b.linear($1).byteCount } }
            + 4 * finalNorm.parameterCount + 4 * (positionEmbedding?.elements.count ?? 0)
            + (outputTied ? 0 : output.byteCount)
    }

    /// Bytes one decode step reads from the weights: every linear and the output once, one embedding row.
    public var decodeReadBytes: Int {
        weightBytes - (outputTied ? 0 : embedding.byteCount) + embedding.byteCount / Swift.max(1, embedding.rows)
    }

    /// Every linear (and the output, and the embedding) converted to `storage` (f32 for the compression, f16 /
    /// bf16 / q8 to run in fewer bytes). The tied output keeps sharing the embedding's storage.
    public func converted(to storage: WeightStorage) -> CausalLM {
        var m = self
        m.embedding = embedding.storage == storage || storage == .mapped ? embedding
            : WeightMatrix(embedding.dequantized(), storage: storage)
        m.output = outputTied ? CausalLM.tiedOutput(m.embedding) : output.converted(to: storage)
        for i in m.blocks.indices {
            for name in m.blocks[i].linearNames {
                try! m.blocks[i].setLinear(name, to: m.blocks[i].linear(name).converted(to: storage))
            }
        }
        return m
    }

    /// The storages of the weights, e.g. "f16" or "int4 + q8" (linears' storages first, then the embedding's).
    public var storageDescription: String {
        var kinds: [String] = []
        func add(_ s: WeightStorage) { if !kinds.contains(s.rawValue) { kinds.append(s.rawValue) } }
        for b in blocks { for n in b.linearNames { let (u, v) = b.linear(n).factors; add(u.storage); v.map { add($0.storage) } } }
        add(embedding.storage)
        return kinds.joined(separator: " + ")
    }

    /// The output layer that is the token embedding itself (same storage).
    public static func tiedOutput(_ embedding: WeightMatrix) -> Linear {
        if let e = embedding.float32 { return .dense(weight: e, bias: nil) }
        return .packed(weight: embedding, bias: nil)
    }

    // MARK: - Per-layer API (compression)

    /// H₀ = E[tokens] · embeddingScale (+ P[firstPosition + t + offset] for learned positions), tokens × hidden.
    public func embed(_ tokens: [Int], firstPosition: Int = 0) throws(RuntimeError) -> Matrix<Float> {
        let d = hiddenSize
        var h = Matrix<Float>(rows: tokens.count, cols: d)
        for (t, id) in tokens.enumerated() {
            guard (0..<vocabularySize).contains(id) else {
                throw RuntimeError.invalidInput(argument: "tokens", reason: "id \(id) at \(t) outside 0..<\(vocabularySize)")
            }
            h.elements.withUnsafeMutableBufferPointer { embedding.dequantizeRows(id..<id + 1, into: $0.baseAddress! + t * d, ld: d) }
            if embeddingScale != 1 { for j in 0..<d { h.elements[t * d + j] *= embeddingScale } }
            if let p = positionEmbedding {
                let row = firstPosition + t + positionOffset
                guard row < p.rows else {
                    throw RuntimeError.invalidInput(argument: "tokens", reason: "position \(firstPosition + t) beyond the learned positions")
                }
                for j in 0..<d { h.elements[t * d + j] += p.elements[row * d + j] }
            }
        }
        return h
    }

    /// The block of layer i.
    public func layer(_ i: Int) -> any DecoderBlock { blocks[i] }

    /// Block i on hidden states H (tokens × hidden) at positions firstPosition..., without a cache;
    /// `capture` receives every linear group's input.
    public func forwardLayer(_ i: Int, _ h: Matrix<Float>, firstPosition: Int = 0,
                             capture: LinearInputCapture? = nil) -> Matrix<Float> {
        var kv = uncachedKV(tokens: firstPosition + h.rows)
        precondition(firstPosition == 0, "forwardLayer without a cache starts at position 0")
        return blocks[i].forward(h, context: BlockContext(layer: i, firstPosition: firstPosition, parallelism: parallelism,
                                                          profile: profile, decodeProduct: decodeProduct),
                                 kv: &kv, capture: capture)
    }

    /// Step `step` of block i (``DecoderBlock/step(_:_:context:kv:)``) on a state whose tokens start at position 0,
    /// without a cache: `kv` (``uncachedKV(tokens:)`` for the state's tokens) is scratch that the attending step
    /// overwrites, so one serves any number of calls.
    public func stepLayer(_ i: Int, step: Int, _ state: inout BlockState, kv: inout KVCache.Layer) {
        blocks[i].step(step, &state, context: BlockContext(layer: i, firstPosition: 0, parallelism: parallelism, profile: profile),
                       kv: &kv)
    }

    /// An empty key/value store for `tokens` positions of one layer.
    public func uncachedKV(tokens: Int) -> KVCache.Layer {
        KVCache.Layer(keys: Matrix(rows: tokens, cols: config.kvHeadCount * config.headDim),
                      values: Matrix(rows: tokens, cols: config.kvHeadCount * config.headDim))
    }

    /// Replaces linear `name` of block `layer` (e.g. by its low-rank form).
    public mutating func setLinear(layer: Int, name: LinearName, to linear: Linear) throws(RuntimeError) {
        guard blocks.indices.contains(layer) else {
            throw RuntimeError.invalidInput(argument: "layer", reason: "\(layer) outside 0..<\(blocks.count)")
        }
        try blocks[layer].setLinear(name, to: linear)
    }

    // MARK: - Whole-model forward

    /// RMSNorm_final(H_L) for `tokens` placed after the cache's positions (tokens × hidden); the cache, when
    /// given, is extended by them. Without a cache the tokens start at position 0.
    public func hiddenStates(tokens: [Int], cache: inout KVCache?,
                             capture: LinearInputCapture? = nil) throws(RuntimeError) -> Matrix<Float> {
        guard !tokens.isEmpty else { throw RuntimeError.invalidInput(argument: "tokens", reason: "empty") }
        var kv: KVCache
        let callerCache = cache != nil
        if let c = cache {
            kv = c
            cache = nil  // kv now owns the storage uniquely: appends do not copy
        } else {
            kv = KVCache(config: config, capacity: tokens.count)
        }
        let p0 = kv.count
        guard p0 + tokens.count <= kv.capacity else {
            cache = kv
            throw RuntimeError.invalidInput(argument: "tokens",
                                            reason: "\(p0) cached + \(tokens.count) new positions exceed the cache capacity \(kv.capacity)")
        }
        var h = try profile.measure(.embed) { () throws(RuntimeError) in try embed(tokens, firstPosition: p0) }
        for i in blocks.indices {
            h = blocks[i].forward(h, context: BlockContext(layer: i, firstPosition: p0, parallelism: parallelism, profile: profile,
                                                           decodeProduct: decodeProduct),
                                  kv: &kv.layers[i], capture: capture)
        }
        kv.count = p0 + tokens.count
        if callerCache { cache = kv }
        profile.measure(.finalNorm) { finalNorm.apply(to: &h) }
        return h
    }

    /// Logits of rows `rows` of final hidden states: (rows × hidden) W_outᵀ, soft-capped if configured.
    public func logits(hidden: Matrix<Float>, rows: Range<Int>? = nil) -> Matrix<Float> {
        let r = rows ?? 0..<hidden.rows
        let x = r == 0..<hidden.rows ? hidden : hidden.submatrix(rows: r, cols: 0..<hidden.cols)
        var y = profile.measure(.lmHead, flops: output.flops(rows: x.rows)) { output.forward(x, parallelism: parallelism) }
        if let c = finalLogitSoftcap {
            for i in y.elements.indices { y.elements[i] = c * Foundation.tanh(y.elements[i] / c) }
        }
        return y
    }

    /// Logits of every token (tokens × vocab). 512 tokens of a 49,152-word vocabulary are 100 MB; the perplexity
    /// evaluation uses ``hiddenStates(tokens:cache:capture:)`` and ``logits(hidden:rows:)`` in row chunks instead.
    public func forward(tokens: [Int], cache: inout KVCache?) throws(RuntimeError) -> Matrix<Float> {
        logits(hidden: try hiddenStates(tokens: tokens, cache: &cache))
    }

    /// Logits of the last token only (vocab values): prefill or one decode step.
    public func lastLogits(tokens: [Int], cache: inout KVCache?) throws(RuntimeError) -> [Float] {
        let h = try hiddenStates(tokens: tokens, cache: &cache)
        return logits(hidden: h, rows: h.rows - 1..<h.rows).elements
    }

    /// An empty cache sized for `capacity` positions (at most the context length).
    public func makeCache(capacity: Int) -> KVCache {
        KVCache(config: config, capacity: Swift.min(capacity, config.contextLength))
    }
}
