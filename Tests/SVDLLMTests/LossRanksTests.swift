import Foundation
import Testing
@testable import SVDLLM
import Formats
import LinearAlgebraCore
import TransformerRuntime

/// The loss rank allocation (issue #18): the greedy on made-up spectra (budget, optimality, guards), then whole runs
/// on the tiny checkpoints.
@Suite struct LossRanksTests {
    /// A descending spectrum of k values, seeded.
    static func spectrum(rows: Int, cols: Int, _ g: inout SeededGenerator) -> WhitenedSpectrum {
        let k = min(rows, cols)
        var values = (0..<k).map { _ in Double(g.next() % 1_000_000) / 1e5 + 1e-3 }
        values.sort(by: >)
        return WhitenedSpectrum(rows: rows, cols: cols, singularValues: values)
    }

    static func parameters(_ a: LossAllocation, _ spectra: [MatrixKey: WhitenedSpectrum]) -> Int {
        spectra.reduce(0) { sum, e in sum + (a.ranks[e.key].map { $0 * (e.value.rows + e.value.cols) } ?? e.value.rows * e.value.cols) }
    }

    /// Shapes like a small LLaMA's: q/o square, k/v narrow, gate/up/down wide; two layers.
    static func llamaLike(seed: UInt64) -> [MatrixKey: WhitenedSpectrum] {
        var g = SeededGenerator(seed: seed)
        var spectra: [MatrixKey: WhitenedSpectrum] = [:]
        let shapes = [("q_proj", 48, 48), ("k_proj", 16, 48), ("v_proj", 16, 48), ("o_proj", 48, 48),
                      ("gate_proj", 128, 48), ("up_proj", 128, 48), ("down_proj", 48, 128)]
        for layer in 0..<2 {
            for (name, m, n) in shapes { spectra[MatrixKey(layer: layer, name: name)] = spectrum(rows: m, cols: n, &g) }
        }
        return spectra
    }

    @Test(arguments: LossNormalization.allCases)
    func theBudgetIsMetWithinOneStepOfTheLargestMatrix(normalization: LossNormalization) throws {
        let spectra = Self.llamaLike(seed: 7)
        let total = spectra.values.reduce(0) { $0 + $1.rows * $1.cols }
        let largestStep = spectra.values.map { $0.rows + $0.cols }.max()!
        for ratio in stride(from: 0.1, through: 0.8, by: 0.1) {
            let a = try lossRanks(spectra, ratio: ratio, normalization: normalization)
            #expect(a.budget == Int((Double(total) * (1 - ratio)).rounded(.down)))
            #expect(a.parameters == Self.parameters(a, spectra))
            #expect(a.parameters <= a.budget, "ratio \(ratio)")
            #expect(a.budget - a.parameters < largestStep, "ratio \(ratio): \(a.parameters) of \(a.budget)")
            #expect(a.ranks.values.allSatisfy { $0 >= 1 })
            // A kept low-rank matrix never costs its dense size.
            for (key, r) in a.ranks { #expect(r * (spectra[key]!.rows + spectra[key]!.cols) < spectra[key]!.rows * spectra[key]!.cols) }
        }
        // A light ratio leaves the matrices whose factors would cost more than they save dense.
        let light = try lossRanks(spectra, ratio: 0.1, normalization: normalization)
        #expect(light.ranks.count < spectra.count)
    }

    /// ``BudgetScope/type``: every kind of linear meets its own budget, within one step of its matrices.
    @Test(arguments: LossNormalization.allCases)
    func everyKindMeetsItsOwnBudget(normalization: LossNormalization) throws {
        let spectra = Self.llamaLike(seed: 5)
        for ratio in [0.2, 0.4, 0.6] {
            let a = try lossRanks(spectra, ratio: ratio, normalization: normalization, scope: .type)
            #expect(a.parameters == Self.parameters(a, spectra) && a.parameters <= a.budget)
            for name in Set(spectra.keys.map(\.name)) {
                let part = spectra.filter { $0.key.name == name }
                let budget = Int((Double(part.values.reduce(0) { $0 + $1.rows * $1.cols }) * (1 - ratio)).rounded(.down))
                let kept = Self.parameters(LossAllocation(ranks: a.ranks.filter { $0.key.name == name }, parameters: 0,
                                                          budget: 0, normalizedLoss: 0, rawLoss: 0), part)
                let step = part.values.first.map { $0.rows + $0.cols }!
                #expect(kept <= budget && budget - kept < step, "\(name) at \(ratio): \(kept) of \(budget)")
            }
        }
    }

    /// Equal step costs and no matrix turning dense (the cap is below r_dense): the greedy keeps the largest
    /// σ_k²/c_W, which is optimal — checked against every allocation.
    @Test(arguments: LossNormalization.allCases)
    func greedyIsOptimalWhenEveryStepCostsTheSame(normalization: LossNormalization) throws {
        var g = SeededGenerator(seed: 11)
        var spectra: [MatrixKey: WhitenedSpectrum] = [:]
        for (t, name) in ["a", "b", "c"].enumerated() {
            spectra[MatrixKey(layer: t % 2, name: name)] = Self.spectrum(rows: 6, cols: 100, &g)  // r_dense = 6
        }
        let scales = lossScales(spectra, normalization: normalization)
        let keys = spectra.keys.sorted()
        for ratio in [0.8, 0.75, 0.7, 0.65] {
            let a = try lossRanks(spectra, ratio: ratio, normalization: normalization, maxRankFraction: 0.8)  // r ≤ 4
            var best = Double.infinity
            for r0 in 1...4 { for r1 in 1...4 { for r2 in 1...4 {
                let r = [r0, r1, r2]
                guard r.reduce(0, +) * 106 <= a.budget else { continue }
                let loss = keys.indices.reduce(0.0) { s, t in
                    s + spectra[keys[t]]!.singularValues.dropFirst(r[t]).reduce(0) { $0 + $1 * $1 } / scales[t]
                }
                best = min(best, loss)
            } } }
            #expect(a.ranks.count == 3)
            #expect(abs(a.normalizedLoss - best) <= 1e-12 * max(1, best), "ratio \(ratio): \(a.normalizedLoss) vs \(best)")
        }
    }

    @Test func guardsBoundTheRanksAndBadValuesAreTypedErrors() throws {
        let spectra = Self.llamaLike(seed: 3)
        let a = try lossRanks(spectra, ratio: 0.5, normalization: .raw, minRankFraction: 0.2, maxRankFraction: 0.45)
        for (key, r) in a.ranks {
            let k = min(spectra[key]!.rows, spectra[key]!.cols)
            #expect(r >= Int((0.2 * Double(k)).rounded(.up)) && r <= Int((0.45 * Double(k)).rounded(.down)))
        }
        #expect(a.ranks.count == spectra.count)  // 0.45·k is below every r_dense = ⌈mn/(m+n)⌉ here: none dense
        func name(_ body: () throws -> Void) -> String? {
            do { try body() } catch let CompressionError.invalidArgument(name, _) { return name } catch { return "other" }
            return nil
        }
        #expect(name { _ = try lossRanks(spectra, ratio: 0.4, minRankFraction: -0.1) } == "minRankFraction")
        #expect(name { _ = try lossRanks(spectra, ratio: 0.4, maxRankFraction: 0) } == "maxRankFraction")
        #expect(name { _ = try lossRanks(spectra, ratio: 0.4, maxRankFraction: .nan) } == "maxRankFraction")
        #expect(name { _ = try lossRanks(spectra, ratio: 0.4, minRankFraction: 0.5, maxRankFraction: 0.4) } == "minRankFraction")
        #expect(name { _ = try lossRanks(spectra, ratio: 0.9, minRankFraction: 0.9) } == "minRankFraction")  // over budget
        #expect(name { _ = try lossRanks(spectra, ratio: 1) } == "ratio")
        var options = CompressionOptions(method: .whiten, ratio: 0.4, rankAllocation: .loss)
        options.maxRankFraction = 1.5
        #expect(name { try options.validate() } == "maxRankFraction")
        options.maxRankFraction = 1
        options.method = .asvd
        #expect(name { try options.validate() } == "rankAllocation")
        options.method = .whiten
        options.layers = 0..<1
        #expect(name { try options.validate() } == "layers")
    }

    @Test(arguments: [CompressionMethod.whiten, .whitenUpdate])
    func allocatedRunMeetsTheBudgetSavesAndLoadsBack(method: CompressionMethod) throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let dense = model
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 4, length: 24)
        var options = CompressionOptions(method: method, ratio: 0.4, parallelism: .threads(2), rankAllocation: .loss)
        options.lossNormalization = .relative
        let report = try Compressor(options: options).run(&model, windows: windows)
        #expect(report.rankAllocation == "loss" && report.lossNormalization == "relative")
        var weights = 0, kept = 0, largestStep = 0
        var ranks = Set<Int>()
        for (i, block) in dense.blocks.enumerated() {
            for name in block.linearNames {
                let l = block.linear(name), c = model.blocks[i].linear(name)
                weights += l.outFeatures * l.inFeatures
                largestStep = max(largestStep, l.outFeatures + l.inFeatures)
                if let r = c.rank { kept += r * (l.outFeatures + l.inFeatures); ranks.insert(r) } else { kept += l.outFeatures * l.inFeatures }
            }
        }
        let budget = Int((Double(weights) * 0.6).rounded(.down))
        #expect(report.parameterBudget == budget && report.allocatedParameters == kept)
        #expect(kept <= budget && budget - kept < largestStep)
        #expect(ranks.count > 2)  // heterogeneous
        #expect(report.seconds.allocation != nil)

        let (loaded, config) = try CompressorTests.savedAndLoaded(model, report: report, source: source, tokens: windows[0])
        #expect(config["svd_llm"]?["rankAllocation"]?.string == "loss")
        #expect(config["svd_llm"]?["ranks"]?.members?.count == report.matrices.count)
        for (i, block) in model.blocks.enumerated() {
            for name in block.linearNames { #expect(loaded.blocks[i].linear(name).rank == block.linear(name).rank) }
        }
    }

    /// The loss allocation from a profile cache (the spectra pass reads the cached profiles) equals the one that
    /// profiled; uniform runs keep the paper's ranks and report no allocation.
    @Test func cachedProfilesGiveTheSameAllocationAndUniformIsUnchanged() throws {
        let source = CompressorTests.tiny("llama")
        let windows = CompressorTests.windows(vocab: 97, count: 4, length: 24)
        let root = CompressorTests.temporaryDirectory("loss-cache")
        defer { try? FileManager.default.removeItem(at: root) }
        var fp = RunFingerprint()
        fp.add(windows: windows)
        let options = CompressionOptions(method: .whiten, ratio: 0.5, rankAllocation: .loss)
        var a = try CausalLM(huggingFaceFolder: source), b = a, u = a
        let first = try ProfileCache(root: root, fingerprint: fp)
        _ = try Compressor(options: options, profileCache: first).run(&a, windows: windows)
        let second = try ProfileCache(root: root, fingerprint: fp)
        #expect(second.isComplete)
        _ = try Compressor(options: options, profileCache: second).run(&b, windows: windows)
        for i in a.blocks.indices {
            for name in a.blocks[i].linearNames { #expect(a.blocks[i].linear(name) == b.blocks[i].linear(name)) }
        }
        let uniform = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.5)).run(&u, windows: windows)
        #expect(uniform.lossNormalization == nil && uniform.parameterBudget == nil && uniform.seconds.allocation == nil)
        for block in u.blocks {
            for name in block.linearNames {
                let l = block.linear(name)
                #expect(l.rank == truncationRank(rows: l.outFeatures, cols: l.inFeatures, ratio: 0.5))
            }
        }
    }
}
