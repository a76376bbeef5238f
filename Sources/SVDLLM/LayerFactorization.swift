import Dispatch
import Factorizations
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// One factored block: its low-rank linears, their reports, and the seconds spent in updates.
typealias FactoredLayer = (linears: [(LinearName, Linear)], reports: [MatrixReport], updateSeconds: Double)

extension Compressor {
    /// Every compressed linear of one block as W_u·W_v: S for each input group (``inputScalings(_:layer:)``:
    /// whitening or ASVD's scaling), then each linear truncated under its group's S and, for the update methods,
    /// W_u re-solved on the propagated Gram (``factor(_:name:layer:rank:scaling:regularization:dense:propagated:)``).
    ///
    /// The linears run in parallel, one serial task each, the largest first (for the dynamic schedule); the reports
    /// come back in the block's own order. `ranks`: the searched rank of every compressed matrix (absent: left
    /// dense); nil = the uniform rule. The third value is the update's share of the wall time.
    ///
    /// `denseProfile` is consumed: unless the loss is measured (``measureLoss``, which needs the Grams), each
    /// group's Gram becomes its whitening factor in place, so a layer's Grams are not held twice.
    func factorLayer(block: any DecoderBlock, layer i: Int, denseProfile: consuming LayerProfile?, propagated: LayerProfile?,
                     ranks: [MatrixKey: Int]? = nil) throws(CompressionError) -> FactoredLayer {
        func rank(_ name: LinearName) -> Int? {
            let w = block.linear(name)
            guard let ranks else { return truncationRank(rows: w.outFeatures, cols: w.inFeatures, ratio: options.ratio) }
            return ranks[MatrixKey(layer: i, name: name.rawValue)]
        }
        let names = block.linearNames.filter { rank($0) != nil }.sorted {
            block.linear($0).parameterCount > block.linear($1).parameterCount
        }
        let groups = denseProfile?.groups
        let measured = measureLoss ? denseProfile : nil  // the Grams the loss is measured on, kept only then
        let (scalings, regs) = try inputScalings(consume denseProfile, layer: i)

        var outcomes = [Result<(Linear, MatrixReport, Double), CompressionError>?](repeating: nil, count: names.count)
        outcomes.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(names.count) { t, _ in
                let name = names[t]
                out[t] = Result { () throws(CompressionError) in
                    let g = groups?.firstIndex { $0.contains(name) }
                    return try self.factor(block.linear(name), name: name, layer: i, rank: rank(name)!,
                                           scaling: g.flatMap { scalings[$0] } ?? .identity,
                                           regularization: g.flatMap { regs[$0] },
                                           dense: measured.flatMap { p in g.map { p.statistics[$0] } },
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
        let order = block.linearNames
        reports.sort { order.firstIndex(of: LinearName(rawValue: $0.name)!)! < order.firstIndex(of: LinearName(rawValue: $1.name)!)! }
        return (linears, reports, updateSeconds / Double(Swift.max(1, Swift.min(options.parallelism.threads, names.count))))
    }

    /// S of every input group of block `layer`'s dense profile (groups in parallel), and the regularization
    /// reports of the Choleskys that needed one: ``whitening(_:layer:name:)`` for whiten and whiten+update,
    /// ``activationScaling(_:alpha:layer:name:)`` for asvd, none for svd and update (S = I).
    ///
    /// `profile` is consumed: each group's Gram is taken out of it for its whitening (in place when nothing else
    /// holds the profile).
    func inputScalings(_ profile: consuming LayerProfile?, layer i: Int) throws(CompressionError)
        -> (scalings: [Int: InputScaling], regularizations: [Int: RegularizationReport]) {
        var scalings: [Int: InputScaling] = [:]
        var regs: [Int: RegularizationReport] = [:]
        guard let owned = consume profile, options.method != .svd, options.method != .update else { return (scalings, regs) }
        let method = options.method, alpha = options.asvdAlpha
        let names = owned.groups
        let groups = Array(names.indices)
        // Moved out of the profile: each task takes its group's accumulator, leaving nil.
        var statistics: [GramAccumulator?] = owned.statistics
        _ = consume owned
        var results = [Result<(InputScaling, RegularizationReport?), CompressionError>?](repeating: nil, count: groups.count)
        results.withUnsafeMutableBufferPointer { out in
            statistics.withUnsafeMutableBufferPointer { taken in
                options.parallelism.forEachTask(groups.count) { g, _ in
                    out[g] = Result { () throws(CompressionError) in
                        let stats = taken[g]!
                        taken[g] = nil
                        let label = names[g].map(\.rawValue).joined(separator: "/")
                        if method == .asvd { return (try activationScaling(stats, alpha: alpha, layer: i, name: label), nil) }
                        let (s, r) = try whitening(consume stats, layer: i, name: label)
                        return (s, r)
                    }
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

    /// One linear: truncation of W·S to rank r (``scaledTruncation(_:scaling:rank:svd:layer:name:seed:parallelism:)``),
    /// then, for the update methods, W_u re-solved on the propagated Gram
    /// (``closedFormUpdate(weight:v:gram:layer:name:parallelism:)``). Returns the low-rank linear, its report and
    /// the seconds the update took.
    func factor(_ linear: Linear, name: LinearName, layer: Int, rank r: Int, scaling: InputScaling,
                regularization: RegularizationReport?, dense: GramAccumulator?, propagated: GramAccumulator?)
        throws(CompressionError) -> (Linear, MatrixReport, Double) {
        let w32 = linear.denseWeight
        guard w32.elements.allSatisfy(\.isFinite) else {
            throw .nonFinite(layer: layer, name: name.rawValue, what: "the weight")
        }
        let w64 = w32.converted(to: Double.self)  // out × in
        // W is needed after the truncation only by the update, the measured loss and the precision check; otherwise
        // it is given up to the truncation, which drops it once W·S is formed (one m × n Double less during the SVD).
        let checks = checksSVDPrecision && options.svdPrecision != .double
        let kept: Matrix<Double>? = (options.method.updatesU && propagated != nil) || (measureLoss && dense != nil)
            || checks ? w64 : nil
        let scaled = try ScaledSVD(consume w64, scaling: scaling, svd: options.svd, precision: options.svdPrecision,
                                   rank: r, leadingVectorsOnly: true, layer: layer, name: name.rawValue,
                                   seed: svdSeed(layer: layer, name: name))
        var check: SVDPrecisionCheck?
        if checks, let w = kept {
            let reference = try ScaledSVD(w, scaling: scaling, svd: options.svd, precision: .double, rank: r,
                                          leadingVectorsOnly: true, layer: layer, name: name.rawValue,
                                          seed: svdSeed(layer: layer, name: name))
            do { check = try SVDPrecisionCheck(scaled, reference: reference, rank: r) } catch {
                throw .numerical(layer: layer, name: name.rawValue, reason: "SVD precision check failed: \(error)")
            }
        }
        var f = scaled.truncated(rank: r)
        var shifted = regularization?.shiftedPivots.count ?? 0
        var shift = regularization?.totalShift ?? 0
        var updateSeconds = 0.0
        if options.method.updatesU, let p = propagated, let w = kept {
            let t0 = DispatchTime.now()
            let (u, reg) = try closedFormUpdate(weight: w, v: f.v, gram: meanGram(p), layer: layer, name: name.rawValue)
            f.u = u
            shifted += reg.shiftedPivots.count
            shift += reg.totalShift
            updateSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        }
        var measured: Double?
        if measureLoss, let d = dense, let w = kept {
            measured = outputLoss(w, f.u, f.v, gram: d.gram) / Double(Swift.max(1, d.tokens))
        }
        var report = MatrixReport(layer: layer, name: name.rawValue, rows: w32.rows, cols: w32.cols, rank: r,
                                  predictedLoss: f.truncationLoss, measuredLoss: measured,
                                  shiftedPivots: shifted, totalShift: shift,
                                  singularValues: keepSpectra ? f.singularValues : [])
        report.svdPrecisionCheck = check
        let low = Linear.lowRank(u: f.u.converted(to: Float.self), v: f.v.converted(to: Float.self), bias: linear.bias)
        return (low, report, updateSeconds)
    }
}

/// The seed of the randomized SVD of matrix (`layer`, `name`): distinct per matrix, the same in every run.
func svdSeed(layer: Int, name: LinearName) -> UInt64 {
    UInt64(layer * 16 + (LinearName.allCases.firstIndex(of: name) ?? 0))
}

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
