import GEMM
import LinearAlgebraCore

/// Where a block runs: its index, the position of its first row, threads, and the profile timing its phases.
public struct BlockContext: Sendable {
    public var layer: Int
    /// Absolute position of row 0 of the hidden states (the KV cache's count before this call).
    public var firstPosition: Int
    public var parallelism: Parallelism
    public var profile: ForwardProfile?
    /// The one-token product of the integer storages (``CausalLM/decodeProduct``).
    public var decodeProduct: WeightMatrix.GEMVVariant

    public init(layer: Int, firstPosition: Int, parallelism: Parallelism, profile: ForwardProfile? = nil,
                decodeProduct: WeightMatrix.GEMVVariant = .int8Input) {
        self.layer = layer
        self.firstPosition = firstPosition
        self.parallelism = parallelism
        self.profile = profile
        self.decodeProduct = decodeProduct
    }
}

/// One transformer block of an architecture: H ← block(H), tokens × hidden in and out, as steps cut at the inputs
/// of its linear groups (``linearGroups``, g of them):
///
///     step 0:           x ← the input of group 0 (from h)
///     step s, 0 < s < g: group s − 1's products on x and what follows them → x ← the input of group s
///     step g:           group g − 1's products and the residual → h is the block's output
///
/// so that a quantizer can change group s's linears after seeing its inputs and before they are used
/// (GPTQ's true-sequential order); ``forward(_:context:kv:capture:)`` runs the steps in a row.
///
/// `kv` receives this call's keys and values at rows firstPosition..<firstPosition+tokens and holds the earlier
/// positions' rows (the step that attends uses it).
public protocol DecoderBlock: Sendable {
    /// The block's linear layers by name.
    var linears: BlockLinears { get set }
    /// The linears that read one input, in the order the forward reaches them.
    var linearGroups: [[LinearName]] { get }
    /// Step `step` (0…linearGroups.count) of the forward on `state`.
    func step(_ step: Int, _ state: inout BlockState, context: BlockContext, kv: inout KVCache.Layer)
}

extension DecoderBlock {
    /// H ← block(H): every step in a row; `capture` sees each linear group's input.
    public func forward(_ h: Matrix<Float>, context: BlockContext, kv: inout KVCache.Layer,
                        capture: LinearInputCapture?) -> Matrix<Float> {
        var state = BlockState(h: h)
        let groups = linearGroups
        for s in 0...groups.count {
            step(s, &state, context: context, kv: &kv)
            if s < groups.count { capture?(LinearInput(layer: context.layer, names: groups[s], x: state.x)) }
        }
        return state.h
    }

    /// The linear layers this block has.
    public var linearNames: [LinearName] { linears.names }

    public func linear(_ name: LinearName) -> Linear { linears[name] }

    /// Replaces a linear (same in/out features; e.g. a low-rank factorization of it).
    public mutating func setLinear(_ name: LinearName, to linear: Linear) throws(RuntimeError) {
        try linears.replace(name, with: linear)
    }

    /// Stored parameters of the block's linears.
    public var linearParameterCount: Int { linearNames.reduce(0) { $0 + linear($1).parameterCount } }
}

// MARK: - Steps shared by the architectures' blocks

extension BlockContext {
    /// `body()`, timed into `phase` when a profile is attached.
    func time<R>(_ phase: ForwardProfile.Phase, flops: Double = 0, _ body: () -> R) -> R {
        profile.measure(phase, flops: flops, body)
    }

    /// X Wᵀ (+ b) for one linear, timed as `phase`.
    func project(_ linear: Linear, _ x: Matrix<Float>, phase: ForwardProfile.Phase) -> Matrix<Float> {
        time(phase, flops: linear.flops(rows: x.rows)) { linear.forward(x, parallelism: parallelism) }
    }

    /// X Wᵢᵀ (+ bᵢ) for several linears on the same input, timed together as `phase`: for one token (decoding)
    /// in one or two parallel regions (``Linear/forwardOneToken(_:_:parallelism:)``), else one GEMM each.
    func projectGroup(_ linears: [Linear], _ x: Matrix<Float>, phase: ForwardProfile.Phase) -> [Matrix<Float>] {
        time(phase, flops: linears.reduce(0) { $0 + $1.flops(rows: x.rows) }) {
            x.rows == 1 ? Linear.forwardOneToken(linears, x.elements, parallelism: parallelism, variant: decodeProduct,
                                                 params: Self.oneTokenParams)
                : linears.map { $0.forward(x, parallelism: parallelism) }
        }
    }

    /// H ← H + X Wᵀ (+ b): a sublayer's output projection with the residual add fused into its GEMM; for one token
    /// the product runs in the decode regions (``Linear/forwardOneToken(_:_:parallelism:params:)``), so a low-rank
    /// projection's two small products are split over the threads too.
    func addProjection(_ linear: Linear, _ x: Matrix<Float>, to h: inout Matrix<Float>, phase: ForwardProfile.Phase) {
        time(phase, flops: linear.flops(rows: x.rows)) {
            if x.rows == 1 {
                let y = Linear.forwardOneToken([linear], x.elements, parallelism: parallelism, variant: decodeProduct,
                                               params: Self.oneTokenParams)[0]
                h.add(y, parallelism: .serial)
            } else {
                linear.forward(x, addingTo: &h, parallelism: parallelism)
            }
        }
    }

    /// One token's products go parallel from 10⁵ flops (a 50 K-weight matrix): the worker pool's threads are
    /// spinning between a decode step's regions, so a region costs far less than splitting such a product saves.
    static let oneTokenParams = GEMMParams(parallelGEMVFlopThreshold: 1e5)

    /// H ← H + Y, rows split over the threads.
    func addResidual(_ y: Matrix<Float>, to h: inout Matrix<Float>) {
        time(.residual) { h.add(y, parallelism: parallelism) }
    }

    /// `norm` of H as a new matrix (H's storage when the caller gives it up).
    func normalized(_ h: consuming Matrix<Float>, _ norm: some Normalization) -> Matrix<Float> {
        var x = h
        time(.norm) { norm.apply(to: &x, parallelism: parallelism) }
        return x
    }

    /// The gated MLP's hidden layer: act(X W_gateᵀ) ⊙ X W_upᵀ (tokens × intermediate).
    func gatedHidden(_ linears: BlockLinears, _ x: Matrix<Float>, _ activation: Activation) -> Matrix<Float> {
        let gu = projectGroup([linears[.gate], linears[.up]], x, phase: .gateUp)
        var g = gu[0]
        let u = gu[1]
        time(.activation) { activation.gated(&g, times: u, parallelism: parallelism) }
        return g
    }

    /// Writes this call's keys and values (tokens × kvHeads·D) into the cache at rows firstPosition..., then
    /// attends over positions 0..<firstPosition + tokens (``Attention``).
    func attend(q: Matrix<Float>, k: Matrix<Float>, v: Matrix<Float>, kv: inout KVCache.Layer, heads: Int,
                kvHeads: Int, headDim: Int, window: Int?, scale: Float, softcap: Float?,
                variant: Attention.Variant, params: Attention.Params) -> Matrix<Float> {
        time(.attention) {
            kv.store(keys: k, values: v, at: firstPosition)
            return Attention.forward(q: q, keys: kv.keys, values: kv.values, heads: heads, kvHeads: kvHeads,
                                     headDim: headDim, firstPosition: firstPosition, window: window, scale: scale,
                                     softcap: softcap, variant: variant, parallelism: parallelism, params: params)
        }
    }
}
