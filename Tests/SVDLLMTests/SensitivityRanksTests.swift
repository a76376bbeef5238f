import Foundation
import Testing
@testable import SVDLLM
import LinearAlgebraCore
import TransformerRuntime

/// ASVD's sensitivity-based rank search: the search on hand-made lists, then whole runs on the tiny checkpoints.
@Suite struct SensitivityRanksTests {
    static func entry(_ layer: Int, _ name: String, _ p: Double, _ ppl: Double, rows: Int = 10, cols: Int = 10)
        -> TruncationSensitivity {
        TruncationSensitivity(layer: layer, name: name, keptFraction: p,
                              rank: keptFractionRank(rows: rows, cols: cols, fraction: p), perplexity: ppl)
    }

    /// Two 10 × 10 matrices (rank r costs 20 r of 100): "a" hurts at every fraction, "b" barely.
    @Test func theLeastHarmfulCandidatesAreTakenUntilTheBudgetHolds() {
        let shapes: [MatrixKey: (rows: Int, cols: Int)] = [MatrixKey(layer: 0, name: "a"): (10, 10),
                                                           MatrixKey(layer: 0, name: "b"): (10, 10)]
        var list: [TruncationSensitivity] = []
        for p in sensitivityFractions {
            list.append(Self.entry(0, "a", p, 100 / p))  // 111 … 1000
            list.append(Self.entry(0, "b", p, 10 + (1 - p)))  // 10.1 … 10.9
        }
        // R = 0.5: budget 100 of 200. b alone at p = 0.1 (rank 1: 20) leaves a 80: a dense costs 100 → too much;
        // the search takes a's least harmful candidates until a fits: a at p = 0.8 (rank 4: 80) → 100.
        let ranks = sensitivityRanks(list, shapes: shapes, ratio: 0.5)
        #expect(ranks[MatrixKey(layer: 0, name: "b")] == 1)
        #expect(ranks[MatrixKey(layer: 0, name: "a")] == 4)
        // A small R leaves the sensitive matrix dense: R = 0.2 (budget 160): a dense, b at p = 0.7 (rank 3) = 160.
        let light = sensitivityRanks(list, shapes: shapes, ratio: 0.2)
        #expect(light[MatrixKey(layer: 0, name: "a")] == nil)
        #expect(light[MatrixKey(layer: 0, name: "b")] == 3)
        // Every allocation meets its budget.
        for ratio in stride(from: 0.05, through: 0.8, by: 0.05) {
            let r = sensitivityRanks(list, shapes: shapes, ratio: ratio)
            let params = shapes.keys.reduce(0) { $0 + (r[$1].map { $0 * 20 } ?? 100) }
            #expect(Double(params) <= 200 * (1 - ratio) + 1e-9, "ratio \(ratio): \(params)")
        }
        // Past what the smallest candidates reach (R > 0.8 here), every matrix takes its smallest rank.
        let all = sensitivityRanks(list, shapes: shapes, ratio: 0.95)
        #expect(all.values.allSatisfy { $0 == 1 } && all.count == 2)
    }

    @Test(arguments: [CompressionMethod.asvd, .whiten, .svd])
    func searchedRunMeetsTheBudgetSavesAndLoadsBack(method: CompressionMethod) throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let dense = model
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 4, length: 24)
        let options = CompressionOptions(method: method, ratio: 0.3, parallelism: .threads(2),
                                         rankAllocation: .sensitivity, sensitivityWindows: 2)
        let report = try Compressor(options: options).run(&model, windows: windows)
        let sensitivities = try #require(report.sensitivities)
        let matrices = dense.blocks.reduce(0) { $0 + $1.linearNames.count }
        #expect(sensitivities.count == 9 * matrices)
        #expect(sensitivities.allSatisfy { $0.perplexity.isFinite && $0.perplexity > 1 })
        #expect(report.rankAllocation == "sensitivity" && report.sensitivityWindows == 2)
        // The weights' budget holds (biases are not compressed and are counted on both sides).
        var weights = 0, kept = 0
        for (i, block) in dense.blocks.enumerated() {
            for name in block.linearNames {
                let l = block.linear(name)
                weights += l.outFeatures * l.inFeatures
                kept += model.blocks[i].linear(name).rank.map { $0 * (l.outFeatures + l.inFeatures) }
                    ?? l.outFeatures * l.inFeatures
            }
        }
        #expect(Double(kept) <= 0.7 * Double(weights))
        #expect(report.matrices.count + (report.denseMatrices?.count ?? 0) == matrices)
        for m in report.matrices {
            #expect(model.blocks[m.layer].linear(LinearName(rawValue: m.name)!).rank == m.rank)
        }
        // The same list and ranks on a second run (deterministic).
        var again = dense
        let second = try Compressor(options: options).run(&again, windows: windows)
        #expect(second.sensitivities == report.sensitivities)
        #expect(second.matrices.map(\.rank) == report.matrices.map(\.rank))

        let out = CompressorTests.temporaryDirectory("strs")
        defer { try? FileManager.default.removeItem(at: out) }
        let info = CompressedModelInfo(report: report, model: model, calibrationText: "random")
        #expect(info.rankAllocation == "sensitivity" && info.ranks.count == report.matrices.count)
        try CompressedModelWriter.write(model: model, source: source, to: out, dtype: .f32, svdLLM: info)
        let loaded = try CausalLM(huggingFaceFolder: out)
        let tokens = Array(windows[0].prefix(12))
        #expect(try CompressorTests.logits(loaded, tokens) == CompressorTests.logits(model, tokens))
    }

    /// A searched run that leaves matrices dense resumes from its checkpoint to the same model, and a list given
    /// back (``CompressionOptions/sensitivities``) gives the same ranks without measuring; a wrong list is refused.
    @Test func resumeAndGivenList() throws {
        let source = CompressorTests.tiny("llama")
        let dense = try CausalLM(huggingFaceFolder: source)
        let windows = CompressorTests.windows(vocab: dense.vocabularySize, count: 3, length: 20)
        var options = CompressionOptions(method: .asvd, ratio: 0.2, rankAllocation: .sensitivity)
        var full = dense
        let dir = CompressorTests.temporaryDirectory("strs-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
        let report = try Compressor(options: options, checkpoint: checkpoint).run(&full, windows: windows)
        #expect(!(report.denseMatrices ?? []).isEmpty)  // at R = 0.2 the most sensitive matrices stay dense
        for ext in ["json", "safetensors"] { try FileManager.default.removeItem(at: dir.appendingPathComponent("layer-001.\(ext)")) }
        let reopened = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: true)
        var resumed = dense
        let second = try Compressor(options: options, checkpoint: reopened).run(&resumed, windows: windows)
        #expect(second.resumedLayers == dense.layerCount - 1)
        for i in dense.blocks.indices {
            for name in dense.blocks[i].linearNames { #expect(resumed.blocks[i].linear(name) == full.blocks[i].linear(name)) }
        }

        options.sensitivities = report.sensitivities
        var given = dense
        let third = try Compressor(options: options).run(&given, windows: windows)
        #expect(third.matrices.map(\.rank) == report.matrices.map(\.rank))
        #expect(third.seconds.sensitivity == nil)
        options.sensitivities = Array(report.sensitivities!.dropLast())
        var refused = dense
        #expect(throws: CompressionError.self) { try Compressor(options: options).run(&refused, windows: windows) }
    }

    /// A measured sensitivity equals the perplexity of the model with that one matrix truncated, evaluated from
    /// scratch.
    @Test func aSensitivityIsThePerplexityWithOneMatrixTruncated() throws {
        let model = try CausalLM(huggingFaceFolder: CompressorTests.tiny("llama"))
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 2, length: 20)
        let compressor = Compressor(options: CompressionOptions(method: .svd, ratio: 0.5))
        let hidden = try windows.map { try model.forwardLayer(0, model.embed($0)) }
        let list = try compressor.sensitivities(of: model, layer: 1, hidden: hidden, tokens: windows, profile: nil)
        let s = try #require(list.first { $0.name == "down_proj" && $0.keptFraction == 0.3 })
        var truncated = model
        let w = model.blocks[1].linear(.down).denseWeight.converted(to: Double.self)
        let f = try scaledTruncation(w, scaling: .identity, rank: s.rank, svd: .jacobi, layer: 1, name: "down_proj")
        try truncated.setLinear(layer: 1, name: .down,
                                to: .lowRank(u: f.u.converted(to: Float.self), v: f.v.converted(to: Float.self), bias: nil))
        var nll = 0.0, count = 0
        for ids in windows {
            var cache: KVCache? = nil
            let logits = try truncated.forward(tokens: ids, cache: &cache)  // tokens × vocab
            for t in 0..<(ids.count - 1) {
                let row = Array(logits.elements[(t * logits.cols)..<((t + 1) * logits.cols)]).map(Double.init)
                let m = row.max()!
                nll += m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }) - row[ids[t + 1]]
                count += 1
            }
        }
        let expected = Foundation.exp(nll / Double(count))
        #expect(abs(s.perplexity - expected) <= 1e-4 * expected)
    }
}
