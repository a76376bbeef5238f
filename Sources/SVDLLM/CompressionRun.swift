import Dispatch
import LinearAlgebraCore
import TransformerRuntime

/// One run of ``Compressor/run(_:windows:updateWindows:seed:)``: the state its steps carry from block to block —
/// the two hidden-state streams, the phase times, the finished blocks' reports — and the steps themselves, in the
/// order the run calls them.
struct CompressionRun {
    let compressor: Compressor
    let windows: [[Int]]
    /// The official code's update windows (``TokenWindowSampler``), when given.
    let separateUpdateWindows: [[Int]]?
    /// The uncompressed model: its blocks produce the dense stream and the propagated profiles. Loaded mapped
    /// (``WeightStorage/mapped``), only the block in work is widened to f32 (``widen(block:)``).
    var dense: CausalLM
    /// The block in work's linears as they were before ``widen(block:)`` (mapped ones only), put back by
    /// ``narrow(block:_:)``.
    var narrowLinears: [(LinearName, Linear)] = []
    /// Whether the model was loaded mapped (its blocks are widened one at a time).
    let isMapped: Bool
    let layers: Int
    let seqlen: Int
    /// Update methods: the windows the update is fitted on (the separate ones, or the first of the calibration
    /// windows: all of them, or ``CompressionOptions/updateSamples``).
    let updateWindowCount: Int
    let linearsBefore: Int
    let modelBefore: Int
    let start = DispatchTime.now()

    /// The calibration windows' embeddings (block 0's inputs).
    var embedded = HiddenStates.empty
    /// The dense model's inputs of the next block to profile (empty when the profiles come from elsewhere).
    var hDense = HiddenStates.empty
    /// Update methods: the compressed model's inputs of the next block (the first ``updateWindowCount`` windows).
    var hComp = HiddenStates.empty
    /// Whether every dense profile can be read from the profile cache.
    var cacheComplete: Bool
    /// The dense profiles the rank search computed, reused by the main loop.
    var profilesInMemory: [LayerProfile]?
    var sensitivityList: [TruncationSensitivity] = []
    /// ``RankAllocation/loss``: the allocation's budget and losses.
    var lossAllocation: LossAllocation?
    var times = PhaseTimes()
    var reports: [MatrixReport] = []
    var resumed = 0
    /// Dense profiles computed and stored in the profile cache by this run (the cache is complete only when all are).
    var storedProfiles = 0

    var options: CompressionOptions { compressor.options }
    var method: CompressionMethod { compressor.options.method }
    var parallelism: Parallelism { compressor.options.parallelism }
    /// Where the hidden-state streams live (``Compressor/activations``).
    var activations: HiddenStates.Location { compressor.activations }

    /// Checks the options, the windows and (uniform ranks) that the ratio leaves every matrix a rank ≥ 1, before
    /// any work.
    init(_ compressor: Compressor, model: CausalLM, windows: [[Int]], updateWindows: [[Int]]?) throws {
        let options = compressor.options
        try options.validate()
        guard let seqlen = windows.first?.count, !windows.isEmpty, windows.allSatisfy({ $0.count == seqlen }) else {
            throw CompressionError.invalidArgument(name: "windows", reason: "need ≥ 1 window, all of one length")
        }
        if let u = updateWindows, u.isEmpty || !u.allSatisfy({ $0.count == seqlen }) {
            throw CompressionError.invalidArgument(name: "updateWindows",
                                                   reason: "need ≥ 1 window, all of the calibration windows' length \(seqlen)")
        }
        for i in 0..<model.layerCount where options.rankAllocation == .uniform {
            for name in model.blocks[i].linearNames {
                let w = model.blocks[i].linear(name)
                if truncationRank(rows: w.outFeatures, cols: w.inFeatures, ratio: options.ratio) < 1 {
                    throw CompressionError.rankZero(layer: i, name: name.rawValue, rows: w.outFeatures,
                                                    cols: w.inFeatures, ratio: options.ratio)
                }
            }
        }
        self.compressor = compressor
        self.windows = windows
        self.separateUpdateWindows = updateWindows
        var dense = model
        dense.parallelism = options.parallelism
        self.dense = dense
        self.layers = model.layerCount
        self.seqlen = seqlen
        self.updateWindowCount = updateWindows?.count ?? Swift.min(options.updateSamples ?? windows.count, windows.count)
        self.linearsBefore = model.blocks.reduce(0) { $0 + $1.linearParameterCount }
        self.modelBefore = model.parameterCount
        self.cacheComplete = compressor.profileCache?.isComplete ?? false
        self.isMapped = model.blocks.contains { b in b.linearNames.contains { b.linear($0).storage == .mapped } }
    }

    /// Seconds since the run started.
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    func progress(_ phase: CompressionProgress.Phase, block i: Int, at elapsed: Double) {
        compressor.progress?(CompressionProgress(phase: phase, layer: i, layers: layers, elapsed: elapsed))
    }

    // MARK: - Calibrate

    /// The windows' embeddings: block 0's inputs for the dense stream (unless every profile is cached) and, for
    /// the update methods, for the compressed stream (its own windows when separate ones were given).
    mutating func calibrate() throws {
        let t0 = now()
        let model = dense, hidden = dense.hiddenSize, windows = self.windows
        embedded = try HiddenStates.make(count: windows.count, rows: seqlen, cols: hidden, location: activations,
                                         parallelism: .serial) { try model.embed(windows[$0]) }
        hDense = method.needsDenseProfile && !cacheComplete ? embedded : .empty
        if method.updatesU {
            let embedded = self.embedded
            if let separate = separateUpdateWindows {
                hComp = try HiddenStates.make(count: separate.count, rows: seqlen, cols: hidden, location: activations,
                                              parallelism: .serial) { try model.embed(separate[$0]) }
            } else {
                hComp = try HiddenStates.make(count: updateWindowCount, rows: seqlen, cols: hidden, location: activations,
                                              parallelism: .serial) { embedded[$0] }
            }
        }
        dense.embedding.releasePages()
        times.calibration += now() - t0
    }

    // MARK: - Ranks

    /// Every matrix's rank when ASVD's rank search is asked for (``RankAllocation/sensitivity``: on the given
    /// sensitivity list, or on one measured here); nil for the paper's uniform rule.
    mutating func allocateRanks() throws -> [MatrixKey: Int]? {
        if options.rankAllocation == .loss { return try allocateByLoss() }
        guard options.rankAllocation == .sensitivity else { return nil }
        if let given = options.sensitivities {
            try check(given)
            sensitivityList = given
        } else {
            sensitivityList = try measureSensitivities()
        }
        var shapes: [MatrixKey: (rows: Int, cols: Int)] = [:]
        for i in 0..<layers {
            for name in dense.blocks[i].linearNames {
                let w = dense.blocks[i].linear(name)
                shapes[MatrixKey(layer: i, name: name.rawValue)] = (w.outFeatures, w.inFeatures)
            }
        }
        return sensitivityRanks(sensitivityList, shapes: shapes, ratio: options.ratio)
    }

    /// ``RankAllocation/loss``: the spectrum of W·S of every matrix (``measureSpectra()``), then the greedy
    /// allocation over them (``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)``).
    mutating func allocateByLoss() throws -> [MatrixKey: Int] {
        let spectra = try measureSpectra()
        let t0 = now()
        let allocation = try lossRanks(spectra, ratio: options.ratio, normalization: options.lossNormalization,
                                       scope: options.budgetScope,
                                       minRankFraction: options.minRankFraction, maxRankFraction: options.maxRankFraction)
        times.allocation = (times.allocation ?? 0) + now() - t0
        lossAllocation = allocation
        return allocation.ranks
    }

    /// Every matrix's whitened spectrum (``Compressor/whitenedSpectra(block:layer:profile:)``) on the dense
    /// profiles, block by block before any truncation: the spectra saved in a complete profile cache
    /// (``ProfileCache/loadSpectra()``), or computed on its profiles, or on profiles computed here on the dense
    /// stream (stored in the cache, or kept in memory for the main loop when there is none); computed spectra are
    /// saved in the cache.
    /// The update methods' allocation also comes from these dense-stream spectra. The profiling counts as
    /// profiling, the rest as the allocation's time.
    mutating func measureSpectra() throws -> [MatrixKey: WhitenedSpectrum] {
        if cacheComplete, let cached = try loadCachedSpectra() { return cached }
        var spectra: [MatrixKey: WhitenedSpectrum] = [:]
        var profiles: [LayerProfile] = []
        let keep = compressor.profileCache == nil
        for i in 0..<layers {
            progress(.allocation, block: i, at: now())
            try widen(block: i)
            let t0 = now()
            let profile = try computeDenseProfile(block: i)
            let t1 = now()
            times.profiling += t1 - t0
            if keep { profiles.append(profile) }
            spectra.merge(try compressor.whitenedSpectra(block: dense.blocks[i], layer: i, profile: profile)) { a, _ in a }
            times.allocation = (times.allocation ?? 0) + now() - t1
            try narrowDense(block: i)
        }
        if keep { profilesInMemory = profiles }
        hDense = .empty
        if !cacheComplete, compressor.profileCache != nil {
            try compressor.profileCache?.markComplete(layers: layers)
            cacheComplete = true
        }
        let t0 = now()
        try compressor.profileCache?.storeSpectra(spectra)
        times.allocation = (times.allocation ?? 0) + now() - t0
        return spectra
    }

    /// The spectra a complete profile cache holds (``ProfileCache/loadSpectra()``), when they cover every matrix of
    /// this model at its shape; nil otherwise (they are then computed again).
    mutating func loadCachedSpectra() throws -> [MatrixKey: WhitenedSpectrum]? {
        let t0 = now()
        defer { times.allocation = (times.allocation ?? 0) + now() - t0 }
        guard let cached = try compressor.profileCache?.loadSpectra() else { return nil }
        var count = 0
        for i in 0..<layers {
            for name in dense.blocks[i].linearNames {
                let w = dense.blocks[i].linear(name)
                guard let s = cached[MatrixKey(layer: i, name: name.rawValue)], s.rows == w.outFeatures,
                      s.cols == w.inFeatures else { return nil }
                count += 1
            }
        }
        return count == cached.count ? cached : nil
    }

    /// Throws unless `list` holds one finite perplexity per matrix of this model and kept fraction.
    func check(_ list: [TruncationSensitivity]) throws {
        var expected = Set<String>()
        for i in 0..<layers {
            for name in dense.blocks[i].linearNames {
                for p in sensitivityFractions { expected.insert("\(i) \(name.rawValue) \(p)") }
            }
        }
        let found = Set(list.map { "\($0.layer) \($0.name) \($0.keptFraction)" })
        guard found == expected, list.count == expected.count, list.allSatisfy({ $0.perplexity.isFinite }) else {
            throw CompressionError.invalidArgument(
                name: "sensitivities",
                reason: "the list must hold one finite perplexity per matrix of this model and kept fraction 0.1…0.9 (\(expected.count) entries), got \(list.count)")
        }
    }

    /// ASVD's sensitivity list, block by block on the first ``CompressionOptions/sensitivityWindows`` windows
    /// (``Compressor/sensitivities(of:layer:hidden:tokens:profile:)``). Methods with a dense profile compute it on
    /// the way, and the main loop reuses it (so the dense stream is not kept).
    mutating func measureSensitivities() throws -> [TruncationSensitivity] {
        let t0 = now()
        let k = Swift.min(options.sensitivityWindows, windows.count)
        let evalTokens = Array(windows.prefix(k))
        var hEval = embedded.prefix(k)
        var profiles: [LayerProfile] = []
        var list: [TruncationSensitivity] = []
        for i in 0..<layers {
            progress(.sensitivity, block: i, at: now())
            try widen(block: i)
            var profile: LayerProfile?
            if method.needsDenseProfile {
                let p = try computeDenseProfile(block: i)
                profile = p
                profiles.append(p)
            }
            list += try compressor.sensitivities(of: dense, layer: i, hidden: hEval, tokens: evalTokens, profile: profile)
            if i + 1 < layers { hEval = forwardLayerWindows(dense, layer: i, inputs: hEval, parallelism: parallelism) }
            try narrowDense(block: i)
        }
        if method.needsDenseProfile {
            profilesInMemory = profiles
            hDense = .empty
            if !cacheComplete, compressor.profileCache != nil {
                try compressor.profileCache?.markComplete(layers: layers)
                cacheComplete = true
            }
        }
        times.sensitivity = now() - t0
        return list
    }

    // MARK: - Widen and narrow a block

    /// Block i of the dense model widened to f32 when it is held mapped: profiling and factorization read f32, and
    /// memory holds one widened block at a time.
    mutating func widen(block i: Int) throws {
        narrowLinears = []
        for name in dense.blocks[i].linearNames {
            let linear = dense.blocks[i].linear(name)
            guard linear.factors.u.storage == .mapped || linear.factors.v?.storage == .mapped else { continue }
            narrowLinears.append((name, linear))
            try dense.setLinear(layer: i, name: name, to: linear.converted(to: .f32))
        }
    }

    /// Block i of the dense model back to its mapped linears, and every page of them given back to the kernel
    /// (also those the factorization read again after an earlier narrowing).
    mutating func narrowDense(block i: Int) throws {
        for (name, linear) in narrowLinears { try dense.setLinear(layer: i, name: name, to: linear) }
        narrowLinears = []
        for name in dense.blocks[i].linearNames {
            let (u, v) = dense.blocks[i].linear(name).factors
            u.releasePages()
            v?.releasePages()
        }
    }

    /// ``narrowDense(block:)``, and — when the model is mapped and finished layers are checkpointed — block i's
    /// factors in `model` replaced by views of the checkpoint file, so finished layers do not stay in memory.
    mutating func narrow(block i: Int, _ model: inout CausalLM) throws {
        try narrowDense(block: i)
        defer { returnFreedMemory() }
        guard isMapped else { return }
        guard let mapped = try compressor.checkpoint?.load(layer: i, block: model.blocks[i], mapped: true) else { return }
        for (name, linear) in mapped.linears { try model.setLinear(layer: i, name: name, to: linear) }
    }

    // MARK: - Layer ranges

    /// The update methods compress layers in order (each update is fitted on the compressed model's inputs):
    /// a range starting at A > 0 needs layers 0…A−1 in the checkpoint.
    func checkPredecessors(of range: Range<Int>, saved: Set<Int>) throws {
        guard range.upperBound <= layers else {
            throw CompressionError.invalidArgument(name: "layers", reason: "\(range.lowerBound)-\(range.upperBound - 1) is outside the model's layers 0-\(layers - 1)")
        }
        guard method.updatesU, let missing = (0..<range.lowerBound).first(where: { !saved.contains($0) }) else { return }
        throw CompressionError.invalidArgument(
            name: "layers",
            reason: "\(method.rawValue) compresses layers in order, and layer \(missing) before the range \(range.lowerBound)-\(range.upperBound - 1) is not in the checkpoint; compress layers 0-\(range.lowerBound - 1) first (for whiten, svd and asvd the ranges are independent)")
    }

    /// A layer before the range: the dense stream advanced through it (no profile), and for the update methods
    /// the compressed stream through its saved factors.
    mutating func advance(block i: Int, _ model: inout CausalLM) throws {
        let t0 = now()
        try widen(block: i)
        if method.needsDenseProfile, !cacheComplete, !hDense.isEmpty {
            hDense = try forwardLayerWindows(dense, layer: i, inputs: hDense, parallelism: parallelism)
        }
        times.profiling += now() - t0
        if method.updatesU { _ = try resume(block: i, &model) }
        try narrow(block: i, &model)
    }

    /// A saved layer after the last one this run computes: its factors taken from the checkpoint (mapped when the
    /// model is), no stream advanced — a join, or a resume of a finished run, writes without recomputing.
    mutating func adopt(block i: Int, _ model: inout CausalLM) throws {
        guard let checkpoint = compressor.checkpoint,
              let saved = try checkpoint.load(layer: i, block: model.blocks[i], mapped: isMapped) else { return }
        progress(.resumed, block: i, at: now())
        for (name, linear) in saved.linears { try model.setLinear(layer: i, name: name, to: linear) }
        reports.append(contentsOf: saved.reports)
        resumed += 1
    }

    // MARK: - Profile a block

    /// Methods with a dense profile: ΣXᵀX (and Σ|X|) of block i's inputs in the uncompressed model — from the
    /// rank search, the profile cache, or computed here; nil for svd and update.
    mutating func profileDense(block i: Int) throws -> LayerProfile? {
        guard method.needsDenseProfile else { return nil }
        let t0 = now()
        progress(.profiling, block: i, at: t0)
        let profile = try profilesInMemory?[i] ?? computeDenseProfile(block: i)
        times.profiling += now() - t0
        return profile
    }

    /// Block i's dense profile from a complete cache, or computed on the dense stream (which then advances to
    /// the block's outputs) and stored in the cache.
    mutating func computeDenseProfile(block i: Int) throws -> LayerProfile {
        if cacheComplete, let cached = try compressor.profileCache?.load(layer: i) { return cached }
        let (p, out) = try profileLayer(dense, layer: i, inputs: hDense, keepOutputs: i + 1 < layers, parallelism: parallelism,
                                        accumulation: options.gramAccumulation)
        hDense = out
        try compressor.profileCache?.store(p)
        storedProfiles += 1
        return p
    }

    /// Update methods: ΣXᵀX of block i's inputs as the compressed model feeds them (the dense block on the
    /// compressed stream); nil for the other methods. Block 0 of the calibration windows themselves has the dense
    /// profile's inputs: nothing is compressed before it.
    mutating func profilePropagated(block i: Int, dense denseProfile: LayerProfile?) throws -> LayerProfile? {
        guard method.updatesU else { return nil }
        let t0 = now()
        progress(.update, block: i, at: t0)
        let profile: LayerProfile
        if i == 0, separateUpdateWindows == nil, updateWindowCount == windows.count, let denseProfile {
            profile = denseProfile
        } else {
            profile = try profileLayer(dense, layer: i, inputs: hComp, keepOutputs: false, parallelism: parallelism,
                                       accumulation: options.gramAccumulation).profile
        }
        times.update += now() - t0
        return profile
    }

    // MARK: - Whiten, truncate, update

    /// Block i's linears as W_u·W_v (``Compressor/factorLayer(block:layer:denseProfile:propagated:ranks:)``).
    /// `dense` is consumed (its Grams become the whitening factors in place).
    mutating func factor(block i: Int, dense: consuming LayerProfile?, propagated: LayerProfile?,
                         ranks: [MatrixKey: Int]?) throws -> FactoredLayer {
        progress(.factorization, block: i, at: now())
        let t0 = now()
        let factored = try compressor.factorLayer(block: self.dense.blocks[i], layer: i, denseProfile: consume dense,
                                                  propagated: propagated, ranks: ranks)
        let seconds = now() - t0
        times.factorization += seconds - factored.updateSeconds
        times.update += factored.updateSeconds
        return factored
    }

    // MARK: - Swap

    /// Block i's linears replaced by their factors in `model`, and the compressed stream advanced through it.
    mutating func swap(block i: Int, _ factored: FactoredLayer, into model: inout CausalLM) throws {
        for (name, linear) in factored.linears { try model.setLinear(layer: i, name: name, to: linear) }
        reports.append(contentsOf: factored.reports)
        try advanceCompressedStream(through: i, of: model)
    }

    /// Update methods: the compressed stream through block i of `model` (compressed), unless it is the last.
    mutating func advanceCompressedStream(through i: Int, of model: CausalLM) throws {
        guard method.updatesU, i + 1 < layers else { return }
        let t0 = now()
        hComp = try forwardLayerWindows(model, layer: i, inputs: hComp, parallelism: parallelism)
        times.update += now() - t0
    }

    // MARK: - Checkpoint

    /// Block i's factors and reports saved (when the compressor has a checkpoint folder).
    mutating func checkpoint(block i: Int, _ factored: FactoredLayer) throws {
        let t0 = now()
        try compressor.checkpoint?.save(layer: i, linears: factored.linears, reports: factored.reports)
        times.writing += now() - t0
    }

    /// Block i from an interrupted run's checkpoint, swapped in as if just factored; false when it has none.
    mutating func resume(block i: Int, _ model: inout CausalLM) throws -> Bool {
        guard let saved = try compressor.checkpoint?.load(layer: i, block: model.blocks[i]) else { return false }
        progress(.resumed, block: i, at: now())
        for (name, linear) in saved.linears { try model.setLinear(layer: i, name: name, to: linear) }
        reports.append(contentsOf: saved.reports)
        resumed += 1
        try advanceCompressedStream(through: i, of: model)
        return true
    }

    // MARK: - Report

    /// The run's summary, once every block is done (and the profile cache marked complete). `ranks`: those of
    /// the rank search (``allocateRanks()``), nil for uniform ranks.
    func report(_ model: CausalLM, seed: UInt64, ranks: [MatrixKey: Int]?) throws -> CompressionReport {
        if method.needsDenseProfile, !cacheComplete, storedProfiles == layers {
            try compressor.profileCache?.markComplete(layers: layers)
        }
        let linearsAfter = model.blocks.reduce(0) { $0 + $1.linearParameterCount }
        var report = CompressionReport(
            method: method.rawValue, ratio: options.ratio, svd: options.svd.rawValue, nsamples: windows.count,
            seqlen: seqlen, seed: seed, calibrationTokens: windows.count * seqlen,
            parameters: ParameterCounts(decoderLinearsBefore: linearsBefore, decoderLinearsAfter: linearsAfter,
                                        modelBefore: modelBefore, modelAfter: model.parameterCount),
            seconds: times, matrices: reports, resumedLayers: resumed,
            profileFromCache: method.needsDenseProfile && cacheComplete)
        report.updateSamples = method.updatesU ? updateWindowCount : nil
        report.updateSampler = method.updatesU ? (separateUpdateWindows == nil ? "calibration" : "token-windows") : nil
        report.rankAllocation = options.rankAllocation.rawValue
        if let a = lossAllocation {
            report.lossNormalization = options.lossNormalization.rawValue
            report.budgetScope = options.budgetScope.rawValue
            report.parameterBudget = a.budget
            report.allocatedParameters = a.parameters
        }
        if let ranks {
            report.sensitivities = options.rankAllocation == .sensitivity ? sensitivityList : nil
            report.sensitivityWindows = options.rankAllocation == .sensitivity && options.sensitivities == nil
                ? Swift.min(options.sensitivityWindows, windows.count) : nil
            report.denseMatrices = (0..<layers).flatMap { i in
                model.blocks[i].linearNames.map { MatrixKey(layer: i, name: $0.rawValue) }.filter { ranks[$0] == nil }
            }
        }
        return report
    }
}
