import Foundation
import LinearAlgebraCore

/// What a running ``FineTuner`` reports.
public enum TrainingEvent: Sendable {
    /// A phase starts with these adapters (after a resume: the phase it resumes in).
    case phaseStarted(phase: Int, adapters: [AdapterKey], trainableParameters: Int)
    /// An optimizer step is done; `done` of `total` steps over all phases, the rate of this process so far and the
    /// time the remaining steps should take at it.
    case step(StepRecord, done: Int, total: Int, tokensPerSecond: Double, etaSeconds: Double)
    case validation(ValidationRecord)
    case checkpointSaved(URL, phase: Int, step: Int)
}

/// LoRA fine-tuning of a ``TrainableModel`` in phases (``TrainingOrder``): per phase, adapters on its sites
/// (``AdapterTarget``), then optimizer steps of `batchSize` examples, each the sum of the gradients of its
/// micro-batches of `microBatchSize` examples scaled by 1 / (scored positions of the step), so the step's
/// gradient is that of the batch's mean token loss; the global gradient norm clipped (``GradientClipping``);
/// AdamW (``AdamW``) at the rate of ``LearningRateSchedule``; validation loss every `evalSteps` and at the
/// phase's end; at the end the adapters merged into their matrices.
///
/// Data order: the training examples of epoch e in the order ``TrainingSeeds/shuffled(_:seed:)`` gives with seed
/// derive(seed, order, e); step s of a phase takes examples s·B … (s+1)·B − 1 of epoch ⌊s / steps per epoch⌋ (the last
/// batch of an epoch may be smaller). Every phase sees the same order. Dropout masks derive from the seed, the
/// global step and the micro-batch (``DropoutContext``). With a checkpoint folder, ``TrainingCheckpoint`` is
/// written every `saveSteps` steps and when a phase ends; `run(resume: true)` continues from it with the same
/// results as an uninterrupted run.
public struct FineTuner {
    public private(set) var model: TrainableModel<Float>
    public let options: FineTuneOptions
    public let train: [TrainingSequence]
    public let validation: [TrainingSequence]
    public let target: AdapterTarget
    public let order: TrainingOrder
    public let phases: [[AdapterKey]]
    /// Identifies the run's options, model and data (a checkpoint made by another run is refused).
    public let fingerprint: String
    /// Where the training checkpoint goes; nil: none.
    public var checkpointFolder: URL?

    /// `modelIdentity`: a description of the source model that changes when it does (part of the fingerprint).
    public init(model: TrainableModel<Float>, train: [TrainingSequence], validation: [TrainingSequence],
                options: FineTuneOptions, modelIdentity: String, dataName: String = "data") throws(TrainingError) {
        try options.validate()
        guard train.contains(where: { $0.targetCount > 0 }) else {
            throw .emptyDataSet(file: dataName, reason: "no training example has a token to predict")
        }
        guard validation.isEmpty || validation.contains(where: { $0.targetCount > 0 }) else {
            throw .emptyDataSet(file: dataName, reason: "no validation example has a token to predict")
        }
        let vocab = model.embedding.rows
        for s in train + validation {
            if let bad = s.tokens.first(where: { !(0..<vocab).contains($0) }) {
                throw .invalidArgument(name: dataName, reason: "token id \(bad) outside the model's vocabulary of \(vocab)")
            }
        }
        let sites = model.adapterSites
        let hasLowRank = sites.contains { $0.site != .weight }
        target = try options.target.map { t throws(TrainingError) in try AdapterTarget(parsing: t) }
            ?? .defaultTarget(hasLowRank: hasLowRank)
        order = options.order ?? (hasLowRank ? .sequential : .joint)
        phases = try order.phases(try target.select(from: sites))
        self.model = model
        self.options = options
        self.train = train
        self.validation = validation
        var h = fnv1a(Array(options.trajectoryDescription.utf8))
        h = fnv1a(Array("\(target.description)|\(order.rawValue)|\(modelIdentity)".utf8), seed: h)
        for set in [train, validation] {
            for s in set {
                for t in s.tokens { h = fnv1a(withUnsafeBytes(of: Int64(t).littleEndian, Array.init), seed: h) }
                for t in s.targets { h = fnv1a(withUnsafeBytes(of: Int64(t).littleEndian, Array.init), seed: h) }
            }
            h = fnv1a([0xFF], seed: h)
        }
        fingerprint = String(h, radix: 16)
    }

    public var stepsPerEpoch: Int { (train.count + options.batchSize - 1) / options.batchSize }
    public var stepsPerPhase: Int { options.maxSteps ?? options.epochs * stepsPerEpoch }

    /// The training examples (indices into ``train``) of step s (0-based) of a phase.
    public func batchIndices(step s: Int) -> [Int] {
        let epoch = s / stepsPerEpoch, i = s % stepsPerEpoch
        let order = TrainingSeeds.shuffled(Array(train.indices),
                                           seed: TrainingSeeds.derive(options.seed, purpose: TrainingSeeds.order, index: epoch))
        return Array(order[i * options.batchSize..<Swift.min(train.count, (i + 1) * options.batchSize)])
    }

    /// Mean NLL over every scored position of the validation set (micro-batches of `microBatchSize`, no dropout).
    public func validationLoss() -> (loss: Double, tokens: Int) {
        var sum = 0.0, count = 0
        for c0 in stride(from: 0, to: validation.count, by: options.microBatchSize) {
            let r = model.loss(MicroBatch(Array(validation[c0..<Swift.min(validation.count, c0 + options.microBatchSize)])))
            sum += r.sum
            count += r.count
        }
        return (count > 0 ? sum / Double(count) : .nan, count)
    }

    /// Installs adapters with the given A and B at `keys` (scaling α / r).
    mutating func install(_ adapters: TrainingCheckpoint.Adapters) {
        let scaling = Float(options.alpha / Double(options.rank))
        for (key, ab) in adapters { model[adapter: key] = LoRAAdapter(a: ab.a, b: ab.b, scaling: scaling) }
    }

    /// Trains every phase (from the checkpoint when `resume` and one is there) and merges the adapters. An error
    /// thrown by `progress` stops the run where it is (the last checkpoint stays).
    public mutating func run(resume: Bool, progress: (TrainingEvent) throws -> Void = { _ in }) throws -> FineTuneReport {
        var state = TrainingCheckpoint.State(fingerprint: fingerprint, phase: 0, step: 0,
                                             optimizer: AdamW(weightDecay: options.weightDecay), history: [],
                                             validation: [], trainTokens: 0, trainSeconds: 0)
        var finished: [TrainingCheckpoint.Adapters] = [], moments: [AdapterKey: AdamW.Moments] = [:]
        var resumedFrom: [Int]? = nil
        if resume, let folder = checkpointFolder, let saved = try TrainingCheckpoint.state(in: folder) {
            guard saved.fingerprint == fingerprint else {
                throw TrainingError.checkpoint(path: folder.path, reason: "it was made by another run (options, model or data differ); remove it or drop --resume")
            }
            guard saved.phase <= phases.count else {
                throw TrainingError.checkpoint(path: folder.path, reason: "phase \(saved.phase) of \(phases.count)")
            }
            for k in 0..<saved.phase {
                let (adapters, _) = try TrainingCheckpoint.read(folder, TrainingCheckpoint.phaseFile(k), keys: phases[k], moments: false)
                install(adapters)
                model.mergeAdapters()
                finished.append(adapters)
            }
            if saved.phase < phases.count, saved.step > 0 {
                let (adapters, m) = try TrainingCheckpoint.read(folder, TrainingCheckpoint.adaptersFile,
                                                                keys: phases[saved.phase], moments: true)
                install(adapters)
                moments = m
            }
            state = saved
            resumedFrom = [saved.phase, saved.step]
        }
        let total = phases.count * stepsPerPhase
        var processTokens = 0, processSeconds = 0.0, processSteps = 0
        func validate(_ phase: Int, _ step: Int) throws {
            guard !validation.isEmpty else { return }
            let (loss, tokens) = validationLoss()
            let r = ValidationRecord(phase: phase, step: step, loss: loss, tokens: tokens)
            state.validation.append(r)
            try progress(.validation(r))
        }
        func save() throws {
            guard let folder = checkpointFolder else { return }
            try TrainingCheckpoint.save(to: folder, state: state, model: model, moments: moments, finished: finished)
            try progress(.checkpointSaved(folder, phase: state.phase, step: state.step))
        }
        for p in state.phase..<phases.count {
            if state.step == 0 {
                model.addAdapters(phases[p], rank: options.rank, alpha: options.alpha,
                                  seed: TrainingSeeds.derive(options.seed, purpose: TrainingSeeds.adapters, index: p))
                state.optimizer = AdamW(weightDecay: options.weightDecay)
                moments = [:]
                if p == 0 { try validate(0, 0) }
            }
            try progress(.phaseStarted(phase: p, adapters: phases[p], trainableParameters: model.adapterParameterCount))
            let schedule = LearningRateSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps,
                                                totalSteps: stepsPerPhase)
            while state.step < stepsPerPhase {
                let s = state.step
                let examples = batchIndices(step: s).map { train[$0] }
                let scored = examples.reduce(0) { $0 + $1.targetCount }
                let start = Date()
                model.zeroGradients()
                var lossSum = 0.0, tokens = 0
                for (mi, c0) in stride(from: 0, to: examples.count, by: options.microBatchSize).enumerated() {
                    let mb = MicroBatch(Array(examples[c0..<Swift.min(examples.count, c0 + options.microBatchSize)]))
                    tokens += mb.tokens.count
                    guard mb.targetCount > 0 else { continue }
                    let dropout = DropoutContext(seed: options.seed, step: p * stepsPerPhase + s, microBatch: mi,
                                                 probability: options.dropout)
                    lossSum += model.accumulateGradients(mb, gradientScale: 1 / Float(scored), dropout: dropout).sum
                }
                let norm = GradientClipping.clip(&model, maxNorm: options.maxGradNorm)
                let lr = schedule.rate(atStep: s)
                state.optimizer.update(&model, moments: &moments, lr: lr)
                let seconds = Date().timeIntervalSince(start)
                state.step += 1
                state.trainTokens += tokens
                state.trainSeconds += seconds
                processTokens += tokens
                processSeconds += seconds
                processSteps += 1
                let record = StepRecord(phase: p, step: state.step, loss: scored > 0 ? lossSum / Double(scored) : .nan,
                                        learningRate: lr, gradientNorm: norm, tokens: tokens, seconds: seconds)
                state.history.append(record)
                let done = p * stepsPerPhase + state.step
                try progress(.step(record, done: done, total: total, tokensPerSecond: Double(processTokens) / processSeconds,
                               etaSeconds: processSeconds / Double(processSteps) * Double(total - done)))
                if state.step < stepsPerPhase {
                    if let e = options.evalSteps, state.step % e == 0 { try validate(p, state.step) }
                    if let v = options.saveSteps, state.step % v == 0 { try save() }
                }
            }
            try validate(p, state.step)
            var adapters: TrainingCheckpoint.Adapters = [:]
            for key in model.adapterKeys { adapters[key] = (model[adapter: key]!.a, model[adapter: key]!.b) }
            finished.append(adapters)
            model.mergeAdapters()
            moments = [:]
            state.phase = p + 1
            state.step = 0
            try save()
        }
        let phaseReports = phases.map { keys in
            PhaseReport(sites: Array(Set(keys.map(\.site.rawValue))).sorted().joined(separator: "+"), adapters: keys.count,
                        trainableParameters: keys.reduce(0) { acc, k in
                            let shape = model.blocks[k.layer].linears[k.name]!.shape(of: k.site)
                            return acc + options.rank * (shape.inFeatures + shape.outFeatures)
                        }, steps: stepsPerPhase)
        }
        return FineTuneReport(options: options, target: target.description, order: order.rawValue,
                              trainExamples: train.count, validationExamples: validation.count, phases: phaseReports,
                              history: state.history, validation: state.validation, trainTokens: state.trainTokens,
                              trainSeconds: state.trainSeconds,
                              tokensPerSecond: state.trainSeconds > 0 ? Double(state.trainTokens) / state.trainSeconds : 0,
                              resumedFrom: resumedFrom)
    }
}
