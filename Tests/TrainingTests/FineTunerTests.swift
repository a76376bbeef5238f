import Foundation
import LinearAlgebraCore
import Testing
import TransformerRuntime
@testable import Training

/// Examples of a learnable pattern over the tiny vocabulary (97): from a random start, each token is a fixed
/// permutation π of the one before (π the same for every seed).
func patternExamples(_ count: Int, length: Int, seed: UInt64) -> [TrainingSequence] {
    let pi = TrainingSeeds.shuffled(Array(0..<97), seed: 99)
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        var t = [Int(g.next() % 97)]
        while t.count < length { t.append(pi[t.last!]) }
        return TrainingSequence(tokens: t)
    }
}

func tinyLowRankModel() throws -> TrainableModel<Float> {
    try TrainableModel<Float>(CausalLM(huggingFaceFolder: fixtureURL("tiny-llama-lowrank")))
}

func smallOptions() -> FineTuneOptions {
    var o = FineTuneOptions()
    o.rank = 4
    o.alpha = 8
    o.learningRate = 1e-2
    o.batchSize = 6
    o.microBatchSize = 4
    o.warmupSteps = 2
    o.maxSteps = 6
    o.seed = 3
    o.dropout = 0.1
    return o
}

/// Sequential U-then-V LoRA on a tiny low-rank model lowers the validation loss; both phases run their steps
/// with the adapters on the sites they name, and the merged model keeps its ranks.
@Test func sequentialFineTuningLowersTheValidationLoss() throws {
    var options = smallOptions()
    options.learningRate = 5e-2
    options.maxSteps = 10
    var tuner = try FineTuner(model: tinyLowRankModel(), train: patternExamples(24, length: 12, seed: 1),
                              validation: patternExamples(6, length: 12, seed: 2), options: options,
                              modelIdentity: "tiny")
    #expect(tuner.order == .sequential && tuner.phases.count == 2)
    #expect(tuner.phases[0].allSatisfy { $0.site == .u } && tuner.phases[1].allSatisfy { $0.site == .v })
    let ranks = tuner.model.blocks.map { $0.linears.mapValues { $0.rank! } }
    var started: [Int] = []
    let report = try tuner.run(resume: false) { if case let .phaseStarted(p, _, _) = $0 { started.append(p) } }
    #expect(started == [0, 1])
    #expect(report.history.count == 20 && report.validation.count == 3)
    let first = report.validation.first!.loss, last = report.validation.last!.loss
    #expect(last < 0.9 * first, "validation loss \(first) → \(last)")
    #expect(tuner.model.adapterKeys.isEmpty)
    #expect(tuner.model.blocks.map { $0.linears.mapValues { $0.rank! } } == ranks)
}

struct Interrupt: Error {}

/// A run stopped after a mid-phase checkpoint and resumed gives the same losses and weights, bit for bit, as an
/// uninterrupted run (two phases; the stop lands in the second, after the first was merged).
@Test func resumedRunEqualsUninterruptedRun() throws {
    let train = patternExamples(20, length: 10, seed: 4), val = patternExamples(4, length: 10, seed: 5)
    var options = smallOptions()
    options.saveSteps = 2
    options.evalSteps = 3
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lora-resume-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    var whole = try FineTuner(model: tinyLowRankModel(), train: train, validation: val, options: options, modelIdentity: "tiny")
    let reference = try whole.run(resume: false)

    var first = try FineTuner(model: tinyLowRankModel(), train: train, validation: val, options: options, modelIdentity: "tiny")
    first.checkpointFolder = folder
    #expect(throws: Interrupt.self) {
        try first.run(resume: false) { if case .checkpointSaved(_, 1, 4) = $0 { throw Interrupt() } }
    }
    var second = try FineTuner(model: tinyLowRankModel(), train: train, validation: val, options: options, modelIdentity: "tiny")
    second.checkpointFolder = folder
    let resumed = try second.run(resume: true)
    #expect(resumed.resumedFrom == [1, 4])
    #expect(resumed.history.map(\.loss) == reference.history.map(\.loss))
    #expect(resumed.history.map(\.gradientNorm) == reference.history.map(\.gradientNorm))
    #expect(resumed.validation == reference.validation)
    for (a, b) in zip(second.model.blocks, whole.model.blocks) {
        for (name, l) in a.linears {
            guard case let .lowRank(u1, v1) = l.weights, case let .lowRank(u2, v2) = b.linears[name]!.weights else {
                Issue.record("not low-rank")
                return
            }
            #expect(u1 == u2 && v1 == v2, "\(name)")
        }
    }
    // A checkpoint of other options is refused.
    options.learningRate = 2e-2
    var other = try FineTuner(model: tinyLowRankModel(), train: train, validation: val, options: options, modelIdentity: "tiny")
    other.checkpointFolder = folder
    #expect(throws: TrainingError.self) { try other.run(resume: true) }
}

/// The merged model written back into the runtime computes the training model's loss.
@Test func mergedModelRunsInTheRuntime() throws {
    var runtime = try CausalLM(huggingFaceFolder: fixtureURL("tiny-llama-lowrank"))
    var tuner = try FineTuner(model: TrainableModel<Float>(runtime), train: patternExamples(12, length: 10, seed: 6),
                              validation: [], options: smallOptions(), modelIdentity: "tiny")
    _ = try tuner.run(resume: false)
    try tuner.model.apply(to: &runtime)
    let ids = patternExamples(1, length: 16, seed: 7)[0].tokens
    var none: KVCache? = nil
    let h = try runtime.hiddenStates(tokens: ids, cache: &none)
    let nll = runtime.negativeLogLikelihood(hidden: h, rows: 0..<15, targets: Array(ids.dropFirst()))
    let mine = tuner.model.loss(MicroBatch([TrainingSequence(tokens: ids)])).sum
    #expect(abs(nll - mine) <= 8 * Double(Float.ulpOfOne) * nll, "\(nll) vs \(mine)")
}

@Test func learningRateScheduleIsTransformersLinearWithWarmup() {
    let s = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 10)
    let expected: [Double] = [0, 0.25, 0.5, 0.75, 1, 5.0 / 6, 4.0 / 6, 3.0 / 6, 2.0 / 6, 1.0 / 6, 0]
    let rates = (0..<11).map { s.rate(atStep: $0) }
    #expect(zip(rates, expected).allSatisfy { abs($0 - $1) <= Double.ulpOfOne })
}

/// The first AdamW step moves every parameter by lr·g/(|g| + ε) (bias-corrected moments m̂ = g, v̂ = g²), after the
/// decay p·(1 − lr·λ); clipping scales the gradients to the maximum norm.
@Test func adamWFirstStepAndClipping() throws {
    var m = try tinyLowRankModel()
    let key = m.adapterSites[0]
    m.addAdapters([key], rank: 2, alpha: 4, seed: 1)
    var a = m[adapter: key]!
    for i in a.gradA.elements.indices { a.gradA.elements[i] = Float(i % 5) - 2 }
    for i in a.gradB.elements.indices { a.gradB.elements[i] = 0.5 }
    m[adapter: key] = a
    let norm = GradientClipping.clip(&m, maxNorm: 1)
    let expected = (a.gradA.elements + a.gradB.elements).reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
    #expect(abs(norm - expected) <= 4 * Double(Float.ulpOfOne) * expected)
    let clipped = m[adapter: key]!
    let after = (clipped.gradA.elements + clipped.gradB.elements).reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
    #expect(abs(after - 1) <= 1e-5)
    var opt = AdamW(weightDecay: 0.1)
    var moments: [AdapterKey: AdamW.Moments] = [:]
    opt.update(&m, moments: &moments, lr: 0.01)
    let updated = m[adapter: key]!
    for i in a.a.elements.indices {
        let g = Double(clipped.gradA.elements[i]), p = Double(a.a.elements[i])
        let want = p * (1 - 0.01 * 0.1) - 0.01 * g / (abs(g) + 1e-8)
        #expect(abs(Double(updated.a.elements[i]) - want) <= 8 * Double(Float.ulpOfOne) * max(1, abs(want)))
    }
}

@Test func badTargetsAndOrdersAreRefusedBeforeAnyWork() throws {
    let dense = try TrainableModel<Float>(CausalLM(huggingFaceFolder: tinyCheckpoint("llama")))
    var o = smallOptions()
    o.target = "u,v"
    #expect(throws: TrainingError.noMatchingTargets(target: "u,v", available: "dense down_proj, dense gate_proj, dense k_proj, dense o_proj, dense q_proj, dense up_proj, dense v_proj")) {
        _ = try FineTuner(model: dense, train: patternExamples(2, length: 4, seed: 1), validation: [], options: o, modelIdentity: "")
    }
    o.target = nil
    o.order = .sequential
    #expect(throws: TrainingError.self) {
        _ = try FineTuner(model: dense, train: patternExamples(2, length: 4, seed: 1), validation: [], options: o, modelIdentity: "")
    }
    o.order = nil
    let t = try FineTuner(model: dense, train: patternExamples(2, length: 4, seed: 1), validation: [], options: o, modelIdentity: "")
    #expect(t.order == .joint && t.phases[0].count == 14)
    #expect(throws: TrainingError.self) { _ = try AdapterTarget(parsing: "w") }
    #expect(throws: TrainingError.emptyDataSet(file: "data", reason: "no training example has a token to predict")) {
        _ = try FineTuner(model: dense, train: [TrainingSequence(tokens: [1])], validation: [], options: o, modelIdentity: "")
    }
    o.microBatchSize = 8
    o.batchSize = 4
    #expect(throws: TrainingError.self) {
        _ = try FineTuner(model: dense, train: patternExamples(2, length: 4, seed: 1), validation: [], options: o, modelIdentity: "")
    }
}
