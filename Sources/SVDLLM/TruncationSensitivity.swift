import Foundation
import LinearAlgebraCore
import TransformerRuntime

/// One entry of ASVD's sensitivity list: the calibration perplexity of the model with only matrix (`layer`, `name`)
/// truncated, by the run's method, to the rank keeping `keptFraction` of its parameters.
public struct TruncationSensitivity: Sendable, Codable, Equatable {
    public var layer: Int
    public var name: String
    public var keptFraction: Double
    public var rank: Int
    public var perplexity: Double

    public init(layer: Int, name: String, keptFraction: Double, rank: Int, perplexity: Double) {
        self.layer = layer
        self.name = name
        self.keptFraction = keptFraction
        self.rank = rank
        self.perplexity = perplexity
    }
}

extension Compressor {
    /// The sensitivity list of block `i`'s matrices (ASVD's `calib_sensitivity_ppl`): for each matrix one SVD of
    /// W·S under the method's scaling (identity for svd and update), and for each kept fraction p of
    /// ``sensitivityFractions`` the perplexity of the dense model with only that matrix replaced by its rank
    /// ⌊m·n·p/(m+n)⌋ truncation, on the evaluation windows `tokens` whose dense inputs to block i are `hidden`.
    ///
    /// The 9 × (matrices) candidates run in parallel, each through blocks i…L−1 with serial kernels.
    func sensitivities(of dense: CausalLM, layer i: Int, hidden: [Matrix<Float>], tokens: [[Int]],
                       profile: LayerProfile?) throws(CompressionError) -> [TruncationSensitivity] {
        let block = dense.blocks[i]
        let names = block.linearNames
        let scalings = try inputScalings(profile, layer: i).scalings
        // One decomposition per matrix.
        var decompositions = [Result<ScaledSVD, CompressionError>?](repeating: nil, count: names.count)
        decompositions.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(names.count) { t, _ in
                out[t] = Result { () throws(CompressionError) in
                    let linear = block.linear(names[t])
                    let w = linear.denseWeight.converted(to: Double.self)
                    guard w.elements.allSatisfy(\.isFinite) else {
                        throw .nonFinite(layer: i, name: names[t].rawValue, what: "the weight")
                    }
                    let largest = keptFractionRank(rows: w.rows, cols: w.cols, fraction: sensitivityFractions.last!)
                    let g = profile?.groupIndex(of: names[t])
                    return try ScaledSVD(w, scaling: g.flatMap { scalings[$0] } ?? .identity, svd: options.svd,
                                         precision: options.svdPrecision, rank: largest, layer: i, name: names[t].rawValue,
                                         seed: svdSeed(layer: i, name: names[t]))
                }
            }
        }
        let svds = try decompositions.map { (r) throws(CompressionError) in try r!.get() }

        var serial = dense
        serial.parallelism = .serial
        let candidates = names.indices.flatMap { m in sensitivityFractions.map { (matrix: m, fraction: $0) } }
        var results = [TruncationSensitivity?](repeating: nil, count: candidates.count)
        results.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(candidates.count) { c, _ in
                let (m, p) = candidates[c]
                let linear = block.linear(names[m])
                let r = keptFractionRank(rows: linear.outFeatures, cols: linear.inFeatures, fraction: p)
                let f = svds[m].truncated(rank: r)
                var model = serial
                guard (try? model.setLinear(layer: i, name: names[m],
                                            to: .lowRank(u: f.u.converted(to: Float.self),
                                                         v: f.v.converted(to: Float.self), bias: linear.bias))) != nil
                else { return }
                out[c] = TruncationSensitivity(layer: i, name: names[m].rawValue, keptFraction: p, rank: r,
                                               perplexity: perplexity(model, fromLayer: i, hidden: hidden, tokens: tokens))
            }
        }
        var list: [TruncationSensitivity] = []
        for (c, result) in results.enumerated() {
            guard let s = result, s.perplexity.isFinite else {
                throw .numerical(layer: i, name: names[candidates[c].matrix].rawValue,
                                 reason: "the sensitivity at kept fraction \(candidates[c].fraction) is not finite")
            }
            list.append(s)
        }
        return list
    }
}

/// exp(mean −log p(next token)) over the windows `tokens` (each scored at every position but the last), given the
/// inputs `hidden` of block `first` (tokens × hidden per window): blocks first…L−1, the final norm, the output layer.
func perplexity(_ model: CausalLM, fromLayer first: Int, hidden: [Matrix<Float>], tokens: [[Int]]) -> Double {
    var nll = 0.0, count = 0
    for (h0, ids) in zip(hidden, tokens) where ids.count > 1 {
        var h = h0
        for j in first..<model.layerCount { h = model.forwardLayer(j, h) }
        model.finalNorm.apply(to: &h, parallelism: model.parallelism)
        nll += model.negativeLogLikelihood(hidden: h, rows: 0..<(ids.count - 1), targets: Array(ids.dropFirst()))
        count += ids.count - 1
    }
    return Foundation.exp(nll / Double(Swift.max(1, count)))
}
