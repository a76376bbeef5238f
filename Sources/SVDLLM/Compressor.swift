import LinearAlgebraCore
import TransformerRuntime

/// Where a run is, for progress displays.
public struct CompressionProgress: Sendable {
    public enum Phase: String, Sendable { case sensitivity, allocation, profiling, factorization, update, resumed }
    public var phase: Phase
    /// The layer being worked on, 0-based, and the layer count.
    public var layer: Int
    public var layers: Int
    /// Seconds since the run started.
    public var elapsed: Double
}

/// The SVD-LLM pipeline over a loaded model, block by block (the official code's low-resource mode, the only
/// mode here):
///
///     H_dense ← embed(windows);  H_comp ← H_dense                                       calibrate
///     for each block i:
///       dense profile: block_i on H_dense, capturing ΣXᵀX (and Σ|X|) of every input    profile a block
///                      group; H_dense ← block_i(H_dense)  (or read from the profile cache)
///       propagated profile (update methods): the dense block_i on H_comp, capturing ΣXᵀX
///       for every linear W of block i:
///         S = chol(XᵀX / N) of the dense profile                                        whiten
///         W·S = U Σ Vᵀ;  W_u = U_r Σ_r^½,  W_v = Σ_r^½ V_rᵀ S⁻¹                          truncate
///         update methods: W_u = argmin ‖X W_vᵀ Uᵀ − X Wᵀ‖ on the propagated Gram        update
///       W ← W_u·W_v for block i's linears;  H_comp ← block_i(H_comp)                     swap
///       save block i                                                                    checkpoint
///
/// (ASVD scales by S = diag(mean |x|^α) instead of whitening; svd and update use S = I.) With ASVD's rank search
/// (``RankAllocation/sensitivity``) every matrix's rank is measured before the loop instead of following from
/// the ratio; with the loss allocation (``RankAllocation/loss``) every matrix's whitened spectrum is computed on
/// the dense profiles first and the ranks allocated from them. The state carried from step to step (the two
/// hidden-state streams, the phase times, the reports) is a ``CompressionRun``.
///
/// Profiling and the compressed stream run windows in parallel lanes, one per worker, each with serial kernels
/// (``profileLayer(_:layer:inputs:keepOutputs:parallelism:accumulation:)``); the factorization runs the block's linears in
/// parallel, one serial task each. All linear algebra runs in Double; factors are stored back as Float.
///
/// A model loaded mapped (``WeightStorage/mapped``) is widened one block at a time (widen … narrow), and its
/// finished blocks are read back in place from the checkpoint; a model loaded in f32 stays as it is. Peak memory
/// (``MemoryEstimate``): the two hidden-state streams (windows × seqlen × hidden Floats each, or one window per
/// lane with ``activations`` on disk), one window's activations and one set of the block's Grams per lane, the
/// widened block, and the factorization's Double copies of the linears in work — plus, in f32, the whole model.
/// With ``CompressionOptions/layers`` the run computes a range of blocks and adopts the saved ones after it.
public struct Compressor {
    public var options: CompressionOptions
    /// Dense profiles are read from / written to this cache when given.
    public var profileCache: ProfileCache?
    /// Finished layers are saved here and, on a resumed run, read back instead of recomputed.
    public var checkpoint: LayerCheckpoint?
    /// Keep every matrix's singular values in the report (for spectra plots).
    public var keepSpectra = false
    /// Measure ‖(W − W_u W_v)X‖² on the dense calibration inputs (needs a profile).
    public var measureLoss = true
    /// With ``CompressionOptions/svdPrecision`` Float: also take every W·S's SVD in Double and report how far the
    /// Float one is from it (``MatrixReport/svdPrecisionCheck``). Doubles the SVD work; for studies.
    public var checksSVDPrecision = false
    public var progress: ((CompressionProgress) -> Void)?
    /// Where the calibration hidden states live: in memory, or spilled to files in a folder (one window per worker
    /// in memory at a time).
    public var activations: HiddenStates.Location = .memory

    public init(options: CompressionOptions, profileCache: ProfileCache? = nil, checkpoint: LayerCheckpoint? = nil) {
        self.options = options
        self.profileCache = profileCache
        self.checkpoint = checkpoint
    }

    /// Compresses `model` in place on the calibration `windows` (token ids, each the same length).
    ///
    /// `updateWindows`: update methods fit W_u on these windows (the official code's `get_loaders` windows,
    /// ``TokenWindowSampler``) instead of the calibration windows (all, or the first
    /// ``CompressionOptions/updateSamples``); nil = the calibration windows. `seed` is only recorded in the report.
    public func run(_ model: inout CausalLM, windows: [[Int]], updateWindows: [[Int]]? = nil,
                    seed: UInt64 = 3) throws -> CompressionReport {
        model.parallelism = options.parallelism
        var run = try CompressionRun(self, model: model, windows: windows, updateWindows: updateWindows)
        try run.calibrate()
        let ranks = try run.allocateRanks()
        run.embedded = .empty  // block 0's inputs live on in the streams
        let range = options.layers ?? 0..<model.layerCount
        let saved = checkpoint?.finishedLayers() ?? []
        try run.checkPredecessors(of: range, saved: saved)
        // The last layer of the range that still has to be computed; the saved ones after it are only adopted.
        let lastToCompute = range.reversed().first { !saved.contains($0) }
        for i in 0..<range.upperBound {
            if lastToCompute.map({ i > $0 }) ?? true {
                try run.adopt(block: i, &model)
                continue
            }
            if i < range.lowerBound {
                try run.advance(block: i, &model)
                continue
            }
            try run.widen(block: i)
            let dense = try run.profileDense(block: i)
            if try run.resume(block: i, &model) {
                try run.narrow(block: i, &model)
                continue
            }
            let propagated = try run.profilePropagated(block: i, dense: dense)
            try run.narrowDense(block: i)  // the factorization decodes each linear itself: no widened block beside it
            let factored = try run.factor(block: i, dense: consume dense, propagated: propagated, ranks: ranks)
            try run.swap(block: i, factored, into: &model)
            try run.checkpoint(block: i, factored)
            try run.narrow(block: i, &model)
        }
        return try run.report(model, seed: seed, ranks: ranks)
    }
}
