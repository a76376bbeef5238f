import Dispatch
import Factorizations
import Foundation
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// Where a run is, for progress displays.
public struct CompressionProgress: Sendable {
    public enum Phase: String, Sendable { case sensitivity, profiling, factorization, update, resumed }
    public var phase: Phase
    /// The layer being worked on, 0-based, and the layer count.
    public var layer: Int
    public var layers: Int
    /// Seconds since the run started.
    public var elapsed: Double
}

/// The SVD-LLM pipeline over a loaded model, layer by layer (the official low-resource mode, the only mode):
///
///     H_dense ← embed(windows);  H_comp ← H_dense
///     for each block i:
///       dense profile  (asvd, whiten, whiten+update): block_i on H_dense, capturing ΣXᵀX and Σ|X| per input
///                      group; H_dense ← block_i(H_dense)              (or read from the profile cache)
///       propagated profile (update methods): the dense block_i on H_comp, capturing ΣXᵀX (H_comp holds every
///                      window, or the first ``CompressionOptions/updateSamples``)
///       factor every linear: S from the dense profile → SVD(W·S) → top r → W_u, W_v; update methods re-solve
///                      W_u from the propagated Gram (``closedFormUpdate(weight:v:gram:layer:name:parallelism:)``)
///       swap the block's linears for W_u·W_v;  H_comp ← block_i(H_comp) (update methods)
///       checkpoint the finished block
///
/// Schedule (``CompressionOptions/overlapFactorization``, methods with a dense profile): the dense stream runs
/// on the uncompressed model, so "factor every linear" of block i runs on a background thread
/// (``BackgroundJob``) while the calling thread computes the dense profile of block i + 1; the calling thread
/// then waits for it and does the rest (swap, H_comp, checkpoint) in block order, before the propagated profile
/// of block i + 1, which reads the compressed block i. The results are bit-identical to the sequential schedule
/// (each linear is factored serially by one task, whatever the thread), and so are the errors: a failed
/// factorization of block i is thrown once block i + 1 is profiled, before anything of block i + 1 is applied or
/// checkpointed; a failed profiling of block i + 1 first finishes (and checkpoints) block i.
///
/// Profiling and the compressed stream run windows in parallel lanes, one per worker, each with serial kernels
/// (``profileLayer(_:layer:inputs:keepOutputs:parallelism:)``).
///
/// Peak memory: the weights, the two hidden-state streams (windows × seqlen × hidden Floats each), one window's
/// activations and one set of the block's Grams per lane (sequential schedule; overlapped: block i's Grams are
/// also held by its factorization while block i + 1's accumulate), plus the factorization's Double copies of
/// block i's weights.
/// All linear algebra runs in Double; factors are stored back as Float.
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
    public var progress: ((CompressionProgress) -> Void)?

    public init(options: CompressionOptions, profileCache: ProfileCache? = nil, checkpoint: LayerCheckpoint? = nil) {
        self.options = options
        self.profileCache = profileCache
        self.checkpoint = checkpoint
    }

    /// Compresses `model` in place on the calibration `windows` (token ids, each the same length).
    ///
    /// `updateWindows`: update methods fit W_u on these windows (the official code's `get_loaders` windows,
    /// ``TokenWindowSampler``) instead of the calibration windows (all, or the first
    /// ``CompressionOptions/updateSamples``); nil = the calibration windows.
    public func run(_ model: inout CausalLM, windows: [[Int]], updateWindows separateUpdateWindows: [[Int]]? = nil,
                    seed: UInt64 = 3) throws -> CompressionReport {
        try options.validate()
        guard let seqlen = windows.first?.count, !windows.isEmpty, windows.allSatisfy({ $0.count == seqlen }) else {
            throw CompressionError.invalidArgument(name: "windows", reason: "need ≥ 1 window, all of one length")
        }
        if let u = separateUpdateWindows, u.isEmpty || !u.allSatisfy({ $0.count == seqlen }) {
            throw CompressionError.invalidArgument(name: "updateWindows",
                                                   reason: "need ≥ 1 window, all of the calibration windows' length \(seqlen)")
        }
        let par = options.parallelism
        model.parallelism = par
        let start = DispatchTime.now()
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        var times = PhaseTimes()
        let method = options.method
        let layers = model.layerCount

        // Ranks first, so a ratio that zeroes a matrix fails before any work.
        let linearsBefore = model.blocks.reduce(0) { $0 + $1.linearParameterCount }
        let modelBefore = model.parameterCount
        for i in 0..<layers where options.rankAllocation == .uniform {
            for name in model.blocks[i].linearNames {
                let w = model.blocks[i].linear(name)
                if truncationRank(rows: w.outFeatures, cols: w.inFeatures, ratio: options.ratio) < 1 {
                    throw CompressionError.rankZero(layer: i, name: name.rawValue, rows: w.outFeatures,
                                                    cols: w.inFeatures, ratio: options.ratio)
                }
            }
        }

        var t0 = now()
        let embedded = try windows.map { try model.embed($0) }
        times.calibration += now() - t0
        var cacheComplete = profileCache?.isComplete ?? false
        let dense = model  // the uncompressed blocks, for the dense stream
        // Block i's dense profile: from a complete cache, or computed on `stream` (the dense inputs of block i, then
        // its outputs) and stored in the cache.
        func computeDenseProfile(_ i: Int, stream: inout [Matrix<Float>]) throws -> LayerProfile {
            if cacheComplete, let cached = try profileCache?.load(layer: i) { return cached }
            let (p, out) = profileLayer(dense, layer: i, inputs: stream, keepOutputs: i + 1 < layers, parallelism: par)
            stream = out
            try profileCache?.store(p)
            return p
        }

        // 0. ASVD's sensitivity search: every matrix's rank before any is compressed.
        var ranks: [MatrixKey: Int]?
        var sensitivityList: [TruncationSensitivity] = []
        var profilesInMemory: [LayerProfile]?
        if options.rankAllocation == .sensitivity, let given = options.sensitivities {
            var expected = Set<String>()
            for i in 0..<layers {
                for name in model.blocks[i].linearNames {
                    for p in sensitivityFractions { expected.insert("\(i) \(name.rawValue) \(p)") }
                }
            }
            let found = Set(given.map { "\($0.layer) \($0.name) \($0.keptFraction)" })
            guard found == expected, given.count == expected.count, given.allSatisfy({ $0.perplexity.isFinite }) else {
                throw CompressionError.invalidArgument(
                    name: "sensitivities",
                    reason: "the list must hold one finite perplexity per matrix of this model and kept fraction 0.1…0.9 (\(expected.count) entries), got \(given.count)")
            }
            sensitivityList = given
        } else if options.rankAllocation == .sensitivity {
            t0 = now()
            let k = Swift.min(options.sensitivityWindows, windows.count)
            let evalTokens = Array(windows.prefix(k))
            var hEval = Array(embedded.prefix(k))
            var hAll = method.needsDenseProfile && !cacheComplete ? embedded : []
            var profiles: [LayerProfile] = []
            for i in 0..<layers {
                progress?(CompressionProgress(phase: .sensitivity, layer: i, layers: layers, elapsed: now()))
                var profile: LayerProfile?
                if method.needsDenseProfile {
                    let p = try computeDenseProfile(i, stream: &hAll)
                    profile = p
                    profiles.append(p)
                }
                sensitivityList += try sensitivities(of: dense, layer: i, hidden: hEval, tokens: evalTokens,
                                                     profile: profile)
                if i + 1 < layers { hEval = forwardLayerWindows(dense, layer: i, inputs: hEval, parallelism: par) }
            }
            if method.needsDenseProfile {
                profilesInMemory = profiles
                if !cacheComplete, profileCache != nil {
                    try profileCache?.markComplete(layers: layers)
                    cacheComplete = true
                }
            }
            times.sensitivity = now() - t0
        }
        if options.rankAllocation == .sensitivity {
            var shapes: [MatrixKey: (rows: Int, cols: Int)] = [:]
            for i in 0..<layers {
                for name in model.blocks[i].linearNames {
                    let w = model.blocks[i].linear(name)
                    shapes[MatrixKey(layer: i, name: name.rawValue)] = (w.outFeatures, w.inFeatures)
                }
            }
            ranks = sensitivityRanks(sensitivityList, shapes: shapes, ratio: options.ratio)
        }

        let needDenseStream = method.needsDenseProfile && !cacheComplete && profilesInMemory == nil
        var hDense: [Matrix<Float>] = needDenseStream ? embedded : []
        // The update's stream: the separate update windows, or every calibration window, or the first
        // `updateSamples` of them (the official code's updating_nsamples).
        let updateWindows = separateUpdateWindows?.count ?? Swift.min(options.updateSamples ?? windows.count, windows.count)
        var hComp: [Matrix<Float>] = []
        if method.updatesU {
            t0 = now()
            hComp = try separateUpdateWindows.map { try $0.map { try model.embed($0) } } ?? Array(embedded.prefix(updateWindows))
            times.calibration += now() - t0
        }
        var reports: [MatrixReport] = []
        var resumed = 0

        // Block i's factors into the model and the report, the compressed stream through block i (update methods),
        // then the checkpoint: always in block order, on this thread. `seconds`: the factorization's wall time.
        func finish(_ i: Int, _ outcome: Result<FactoredLayer, CompressionError>, seconds: Double) throws {
            let (linears, layerReports, updateSeconds) = try outcome.get()
            times.factorization += seconds - updateSeconds
            times.update += updateSeconds
            for (name, linear) in linears { try model.setLinear(layer: i, name: name, to: linear) }
            reports.append(contentsOf: layerReports)

            // 5. Advance the compressed stream, then checkpoint.
            if method.updatesU, i + 1 < layers {
                let t0 = now()
                hComp = forwardLayerWindows(model, layer: i, inputs: hComp, parallelism: par)
                times.update += now() - t0
            }
            let t0 = now()
            try checkpoint?.save(layer: i, linears: linears, reports: layerReports)
            times.writing += now() - t0
        }
        // The factorization running in the background (at most one: block i − 1's while block i is profiled).
        let overlapping = options.overlapFactorization && method.needsDenseProfile
        var pending: (layer: Int, job: BackgroundJob<FactoredLayer>, launched: Double)?
        var overlapSeconds = 0.0
        func finishPending() throws {
            guard let p = pending else { return }
            pending = nil
            let waiting = now()
            let outcome = p.job.wait()
            func seconds(_ t: DispatchTime) -> Double { Double(t.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
            let ended = seconds(p.job.finished)
            overlapSeconds += Swift.max(0, Swift.min(ended, waiting) - p.launched)
            try finish(p.layer, outcome, seconds: ended - seconds(p.job.started))
        }

        for i in 0..<layers {
            // 1. The dense profile of block i (while block i − 1 is factored in the background, when overlapping).
            var denseProfile: LayerProfile?
            if method.needsDenseProfile {
                t0 = now()
                progress?(CompressionProgress(phase: .profiling, layer: i, layers: layers, elapsed: t0))
                do {
                    denseProfile = try profilesInMemory?[i] ?? computeDenseProfile(i, stream: &hDense)
                } catch {
                    try finishPending()  // block i − 1 is kept (or its own, earlier, error thrown) as when sequential
                    throw error
                }
                times.profiling += now() - t0
            }
            try finishPending()

            // 2. A finished layer from an interrupted run.
            if let saved = try checkpoint?.load(layer: i, block: model.blocks[i]) {
                progress?(CompressionProgress(phase: .resumed, layer: i, layers: layers, elapsed: now()))
                for (name, linear) in saved.linears { try model.setLinear(layer: i, name: name, to: linear) }
                reports.append(contentsOf: saved.reports)
                resumed += 1
                if method.updatesU, i + 1 < layers {
                    t0 = now()
                    hComp = forwardLayerWindows(model, layer: i, inputs: hComp, parallelism: par)
                    times.update += now() - t0
                }
                continue
            }

            // 3. The propagated profile (inputs as the compressed model feeds block i).
            var propagated: LayerProfile?
            if method.updatesU {
                t0 = now()
                progress?(CompressionProgress(phase: .update, layer: i, layers: layers, elapsed: t0))
                if i == 0, separateUpdateWindows == nil, updateWindows == windows.count, let d = denseProfile {
                    propagated = d  // nothing compressed yet: the same inputs
                } else {
                    propagated = profileLayer(dense, layer: i, inputs: hComp, keepOutputs: false, parallelism: par).profile
                }
                times.update += now() - t0
            }

            // 4. Factor every linear of block i: in the background while block i + 1 is profiled, or here.
            progress?(CompressionProgress(phase: .factorization, layer: i, layers: layers, elapsed: now()))
            let block = model.blocks[i], me = self
            let work = { [denseProfile, propagated] () throws(CompressionError) -> FactoredLayer in
                try me.factorLayer(block: block, layer: i, denseProfile: denseProfile, propagated: propagated,
                                   ranks: ranks)
            }
            if overlapping {
                pending = (i, BackgroundJob(work), now())
            } else {
                t0 = now()
                let outcome = Result(catching: work)
                try finish(i, outcome, seconds: now() - t0)
            }
        }
        try finishPending()
        if method.needsDenseProfile, !cacheComplete { try profileCache?.markComplete(layers: layers) }

        let linearsAfter = model.blocks.reduce(0) { $0 + $1.linearParameterCount }
        var report = CompressionReport(
            method: method.rawValue, ratio: options.ratio, svd: options.svd.rawValue, nsamples: windows.count,
            seqlen: seqlen, seed: seed, calibrationTokens: windows.count * seqlen,
            parameters: ParameterCounts(decoderLinearsBefore: linearsBefore, decoderLinearsAfter: linearsAfter,
                                        modelBefore: modelBefore, modelAfter: model.parameterCount),
            seconds: times, matrices: reports, resumedLayers: resumed,
            profileFromCache: method.needsDenseProfile && cacheComplete)
        report.seconds.overlap = overlapping ? overlapSeconds : nil
        report.updateSamples = method.updatesU ? updateWindows : nil
        report.updateSampler = method.updatesU ? (separateUpdateWindows == nil ? "calibration" : "token-windows") : nil
        report.rankAllocation = options.rankAllocation.rawValue
        if let ranks {
            report.sensitivities = sensitivityList
            report.sensitivityWindows = options.sensitivities == nil ? Swift.min(options.sensitivityWindows, windows.count) : nil
            report.denseMatrices = (0..<layers).flatMap { i in
                model.blocks[i].linearNames.map { MatrixKey(layer: i, name: $0.rawValue) }.filter { ranks[$0] == nil }
            }
        }
        return report
    }

    /// One factored block: its low-rank linears, their reports, and the seconds spent in updates.
    typealias FactoredLayer = (linears: [(LinearName, Linear)], reports: [MatrixReport], updateSeconds: Double)

    /// The low-rank linears of one block and their reports; the third value is the time spent in updates.
    /// `ranks`: the searched rank of every compressed matrix (absent: left dense); nil = the uniform rule.
    func factorLayer(block: any DecoderBlock, layer i: Int, denseProfile: LayerProfile?, propagated: LayerProfile?,
                     ranks: [MatrixKey: Int]? = nil) throws(CompressionError) -> FactoredLayer {
        func rank(_ name: LinearName) -> Int? {
            let w = block.linear(name)
            guard let ranks else { return truncationRank(rows: w.outFeatures, cols: w.inFeatures, ratio: options.ratio) }
            return ranks[MatrixKey(layer: i, name: name.rawValue)]
        }
        let names = block.linearNames.filter { rank($0) != nil }.sorted {  // largest first, for the dynamic schedule
            block.linear($0).parameterCount > block.linear($1).parameterCount
        }
        let (scalings, regs) = try inputScalings(denseProfile, layer: i)

        var outcomes = [Result<(Linear, MatrixReport, Double), CompressionError>?](repeating: nil, count: names.count)
        outcomes.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(names.count) { t, _ in
                let name = names[t]
                out[t] = Result { () throws(CompressionError) in
                    let g = denseProfile?.groupIndex(of: name)
                    return try self.factor(block.linear(name), name: name, layer: i, rank: rank(name)!,
                                           scaling: g.flatMap { scalings[$0] } ?? .identity,
                                           regularization: g.flatMap { regs[$0] },
                                           dense: g.map { denseProfile!.statistics[$0] },
                                           propagated: propagated?.statistics(for: name))
                }
            }
        }
        var linears: [(LinearName, Linear)] = []
        var reports: [MatrixReport] = []
        var updateSeconds = 0.0
        for (t, name) in names.enumerated() {
            let (linear, report, seconds) = try outcomes[t]!.get()
            linears.append((name, linear))
            reports.append(report)
            updateSeconds += seconds
        }
        // Reports in the block's own order.
        let order = block.linearNames
        reports.sort { order.firstIndex(of: LinearName(rawValue: $0.name)!)! < order.firstIndex(of: LinearName(rawValue: $1.name)!)! }
        return (linears, reports, updateSeconds / Double(Swift.max(1, Swift.min(options.parallelism.threads, names.count))))
    }

    /// The input scaling of every input group of block `layer`'s profile (groups in parallel), and the
    /// regularization reports of the Choleskys that needed one; none for svd and update (S = I).
    func inputScalings(_ profile: LayerProfile?, layer i: Int) throws(CompressionError)
        -> (scalings: [Int: InputScaling], regularizations: [Int: RegularizationReport]) {
        var scalings: [Int: InputScaling] = [:]
        var regs: [Int: RegularizationReport] = [:]
        guard let profile, options.method != .svd, options.method != .update else { return (scalings, regs) }
        let groups = Array(profile.groups.indices)
        var results = [Result<(InputScaling, RegularizationReport?), CompressionError>?](repeating: nil, count: groups.count)
        results.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(groups.count) { g, _ in
                out[g] = Result { () throws(CompressionError) in
                    try self.scaling(for: profile.statistics[g], layer: i, names: profile.groups[g])
                }
            }
        }
        for g in groups {
            let (s, r) = try results[g]!.get()
            scalings[g] = s
            if let r { regs[g] = r }
        }
        return (scalings, regs)
    }

    /// S for one input group: chol(G / tokens) (whitening) or diag((Σ|x| / tokens)^α) (ASVD).
    func scaling(for stats: GramAccumulator, layer: Int, names: [LinearName])
        throws(CompressionError) -> (InputScaling, RegularizationReport?) {
        let label = names.map(\.rawValue).joined(separator: "/")
        let tokens = Double(Swift.max(1, stats.tokens))
        switch options.method {
        case .asvd:
            var s = stats.absoluteSums.map { Foundation.pow($0 / tokens, options.asvdAlpha) }
            let largest = s.max() ?? 0
            guard largest.isFinite, largest > 0 else {
                throw .nonFinite(layer: layer, name: label, what: "the activation scale")
            }
            for j in s.indices where !(s[j] > 1e-6 * largest) { s[j] = 1e-6 * largest }  // dead channels
            return (.diagonal(s), nil)
        case .whiten, .whitenUpdate:
            var g = stats.gram
            for k in g.elements.indices { g.elements[k] /= tokens }
            do {
                let chol = try RegularizedCholesky(g, params: whiteningRegularization, parallelism: .serial)
                return (.lowerTriangular(chol.l), chol.report)
            } catch {
                throw .nonFinite(layer: layer, name: label, what: "the Gram matrix (\(error))")
            }
        case .svd, .update:
            return (.identity, nil)
        }
    }

    /// One linear: truncation under `scaling`, then the update when the method asks for it.
    func factor(_ linear: Linear, name: LinearName, layer: Int, rank r: Int, scaling: InputScaling,
                regularization: RegularizationReport?, dense: GramAccumulator?, propagated: GramAccumulator?)
        throws(CompressionError) -> (Linear, MatrixReport, Double) {
        let w32 = linear.denseWeight
        guard w32.elements.allSatisfy(\.isFinite) else {
            throw .nonFinite(layer: layer, name: name.rawValue, what: "the weight")
        }
        let w = w32.converted(to: Double.self)  // out × in
        var f = try scaledTruncation(w, scaling: scaling, rank: r, svd: options.svd, layer: layer,
                                     name: name.rawValue, seed: svdSeed(layer: layer, name: name))
        var shifted = regularization?.shiftedPivots.count ?? 0
        var shift = regularization?.totalShift ?? 0
        var updateSeconds = 0.0
        if options.method.updatesU, let p = propagated {
            let t0 = DispatchTime.now()
            var g = p.gram
            let tokens = Double(Swift.max(1, p.tokens))
            for k in g.elements.indices { g.elements[k] /= tokens }
            let (u, reg) = try closedFormUpdate(weight: w, v: f.v, gram: g, layer: layer, name: name.rawValue)
            f.u = u
            shifted += reg.shiftedPivots.count
            shift += reg.totalShift
            updateSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        }
        var measured: Double?
        if measureLoss, let d = dense {
            measured = outputLoss(w, f.u, f.v, gram: d.gram) / Double(Swift.max(1, d.tokens))
        }
        let report = MatrixReport(layer: layer, name: name.rawValue, rows: w.rows, cols: w.cols, rank: r,
                                  predictedLoss: f.truncationLoss, measuredLoss: measured,
                                  shiftedPivots: shifted, totalShift: shift,
                                  singularValues: keepSpectra ? f.singularValues : [])
        let low = Linear.lowRank(u: f.u.converted(to: Float.self), v: f.v.converted(to: Float.self), bias: linear.bias)
        return (low, report, updateSeconds)
    }
}

/// The seed of the randomized SVD of matrix (`layer`, `name`): distinct per matrix, the same in every run.
func svdSeed(layer: Int, name: LinearName) -> UInt64 {
    UInt64(layer * 16 + (LinearName.allCases.firstIndex(of: name) ?? 0))
}

/// The pivot policy of the whitening and update Choleskys: pivots ≤ √ε·max(diag G) are replaced by that value.
///
/// A Gram of fewer distinct inputs than columns (layer 0 sees only the calibration's distinct tokens) is
/// singular; its Schur complements are then rounding noise δ ≈ n·ε·‖G‖. With a replacement θ below δ (the
/// library default n·ε·max diag) the next Schur complement grows like δ²/θ and the factor overflows; with
/// θ = √ε·max diag ≫ δ it stays bounded, and the shifts are still far below any kept direction's variance.
let whiteningRegularization = RegularizationParams(relativeThreshold: Double.ulpOfOne.squareRoot())

/// ‖(W − U V) Xᵀ‖_F² = tr(Δ G Δᵀ) with Δ = W − U V (out × in) and G = XᵀX (in × in).
public func outputLoss(_ w: Matrix<Double>, _ u: Matrix<Double>, _ v: Matrix<Double>, gram g: Matrix<Double>) -> Double {
    var delta = w
    let uv = matmul(u, v)
    for k in delta.elements.indices { delta.elements[k] -= uv.elements[k] }
    let dg = matmul(delta, g)  // out × in
    var sum = 0.0
    for k in dg.elements.indices { sum += dg.elements[k] * delta.elements[k] }
    return sum
}
