import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm finetune`: LoRA on a compressed (or dense) model with our own backward pass, the adapters merged into
/// the factors, saved as a folder of the source's format.
struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "LoRA fine-tuning (sequential U→V on a compressed model), merged and saved as a model folder.",
        discussion: """
            Adapters ΔW = (α/r)·B·A (A Kaiming-uniform as peft, B = 0) go on --target: u,v (every factor of a
            compressed model; the default for one), all (every matrix; the default for a dense model), or linear
            names (q_proj,…). --order sequential trains the U factors (V frozen), merges them, then the V factors;
            joint trains all at once; v-first starts with V. Each phase runs the whole schedule: --epochs (or
            --max-steps) of optimizer steps over --batch-size examples (gradients accumulated over micro-batches of
            --micro-batch-size), AdamW (β 0.9/0.999, ε 1e-8), linear warm-up then linear decay, clipping at
            --max-grad-norm. Data: --format text (windows of --cutoff-len tokens), alpaca (LLM-Pruner's template)
            or sharegpt (conversations, in the model's chat format); --val-set-size examples held out (seeded).
            A checkpoint goes to OUT.training every --save-steps and when a phase ends; --resume continues from it
            with the same results. The merged model (ranks unchanged, trained matrices F32) is written to OUT.
            """)

    @Argument(help: "A compressed model folder (svdllm compress), a Hugging Face folder or a .gguf file.") var model: String
    @Option(help: "Training data file.") var data: String
    @Option(help: "Data format: text, alpaca or sharegpt.") var format: DataFormat = .text
    @Option(help: "Folder for the fine-tuned model.") var out: String
    @Option(name: .customLong("lora-r"), help: "Adapter rank.") var loraR: Int = 8
    @Option(name: .customLong("lora-alpha"), help: "Adapter α (scaling α/r).") var loraAlpha: Double = 16
    @Option(name: .customLong("lora-dropout"), help: "Dropout on the adapters' inputs.") var loraDropout: Double = 0.05
    @Option(help: "Matrices that get adapters: u,v | all | linear names (default: u,v compressed, all dense).") var target: String?
    @Option(help: "sequential, joint or v-first (default: sequential compressed, joint dense).") var order: TrainingOrder?
    @Option(help: "Epochs per phase.") var epochs: Int = 2
    @Option(name: .customLong("max-steps"), help: "Optimizer steps per phase (overrides --epochs).") var maxSteps: Int?
    @Option(help: "Peak learning rate.") var lr: Double = 1e-4
    @Option(name: .customLong("batch-size"), help: "Examples per optimizer step.") var batchSize: Int = 64
    @Option(name: .customLong("micro-batch-size"), help: "Examples per forward/backward pass.") var microBatchSize: Int = 4
    @Option(name: .customLong("cutoff-len"), help: "Tokens per example (text: the window).") var cutoffLen: Int = 256
    @Option(name: .customLong("val-set-size"), help: "Examples held out for the validation loss (0: none).") var valSetSize: Int = 0
    @Flag(name: .customLong("train-on-inputs"), help: "alpaca/sharegpt: score the prompt tokens too.") var trainOnInputs = false
    @Option(name: .customLong("warmup-steps"), help: "Linear warm-up steps.") var warmupSteps: Int = 100
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay.") var weightDecay: Double = 0
    @Option(name: .customLong("max-grad-norm"), help: "Clip the global gradient norm to this (0: no clipping).") var maxGradNorm: Double = 1
    @Option(name: .customLong("eval-steps"), help: "Validation every N steps (default: start and end of each phase).") var evalSteps: Int?
    @Option(name: .customLong("save-steps"), help: "Checkpoint every N steps (default: when a phase ends).") var saveSteps: Int?
    @Option(help: "Seed of the data order, split, adapter init and dropout.") var seed: UInt64 = 42
    @OptionGroup var workers: WorkerThreads
    @Flag(help: "Continue from OUT.training.") var resume = false
    @Flag(help: "Replace an existing OUT.") var force = false
    @Flag(help: "Print one JSON object (the report) on stdout.") var json = false

    var options: FineTuneOptions {
        var o = FineTuneOptions()
        o.rank = loraR
        o.alpha = loraAlpha
        o.dropout = loraDropout
        o.target = target
        o.order = order
        o.epochs = epochs
        o.maxSteps = maxSteps
        o.learningRate = lr
        o.batchSize = batchSize
        o.microBatchSize = microBatchSize
        o.warmupSteps = warmupSteps
        o.weightDecay = weightDecay
        o.maxGradNorm = maxGradNorm
        o.evalSteps = evalSteps
        o.saveSteps = saveSteps
        o.seed = seed
        return o
    }

    struct Output: Encodable {
        var out: String
        var data: String
        var format: String
        var records: Int
        var skipped: Int
        var report: FineTuneReport
        var seconds: Double
        var peak_rss_bytes: Int
        var adapter_parameters: [Int]
        var memory_plan_bytes: [String: Double]
    }

    /// Bytes of the frozen f32 weights, of the activations of the largest micro-batch (micro-batch-size examples
    /// of the longest length, with the adapters of the phase that keeps the most: ``TrainableModel/activationElements(layout:)``),
    /// of the backward's transient buffers for it (``TrainableModel/backwardTransientElements(layout:)``), and of
    /// the adapters with their gradients and two AdamW moments (4 values per parameter).
    static func memoryPlan(_ tuner: FineTuner) -> (weights: Double, activations: Double, transients: Double, adapters: Double) {
        let longest = (tuner.train + tuner.validation).map(\.tokens.count).max() ?? 1
        let layout = SequenceLayout(lengths: [Int](repeating: longest, count: min(tuner.options.microBatchSize, tuner.train.count)))
        var activations = 0, adapters = 0
        for (p, keys) in tuner.phases.enumerated() {
            var probe = tuner.model
            probe.addAdapters(keys, rank: tuner.options.rank, alpha: tuner.options.alpha, seed: UInt64(p))
            activations = max(activations, probe.activationElements(layout: layout))
            adapters = max(adapters, probe.adapterParameterCount)
        }
        return (4 * Double(tuner.model.weightElements), 4 * Double(activations),
                4 * Double(tuner.model.backwardTransientElements(layout: layout)), 16 * Double(adapters))
    }

    func run() throws {
        let start = Date()
        try options.validate()
        let modelURL = URL(fileURLWithPath: model).standardizedFileURL
        if QuantizedModelWriter.isQuantizedFolder(modelURL) {
            throw CLIError("\(model): a quantized folder; fine-tune the f32/f16 model, then quantize it")
        }
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        let checkpoint = URL(fileURLWithPath: outURL.path + ".training")
        try CompressedModelWriter.checkDestination(outURL, force: force)
        if !resume, try TrainingCheckpoint.state(in: checkpoint) != nil {
            throw CLIError("\(checkpoint.path) holds a checkpoint of an earlier run: pass --resume to continue it, or remove it")
        }
        let outLock = try FolderLock(guarding: outURL)
        defer { outLock.release() }

        // Mapped: the f32 copy training works on is the only one in memory (the mapped pages are given back).
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: .mapped)
        let settings = DataSettings(format: format, cutoffLength: cutoffLen, trainOnInputs: trainOnInputs,
                                    chatTemplate: ChatTemplate(chatTemplate: loaded.chatTemplate))
        let dataURL = URL(fileURLWithPath: data)
        let dataset = try TrainingData.load(dataURL, settings: settings, tokenizer: loaded.tokenizer,
                                            contextLength: loaded.model.config.contextLength)
        let (train, validation) = try dataset.split(validationSize: valSetSize, seed: seed)
        let trainable = try TrainableModel<Float>(loaded.model)
        for b in loaded.model.blocks {
            for n in b.linearNames {
                let (u, v) = b.linear(n).factors
                u.releasePages()
                v?.releasePages()
            }
        }
        loaded.model.embedding.releasePages()
        loaded.model.output.factors.u.releasePages()
        var tuner = try FineTuner(model: trainable, train: train, validation: validation, options: options,
                                  modelIdentity: Self.identity(of: modelURL), dataName: data)
        tuner.checkpointFolder = checkpoint
        let memory = Self.memoryPlan(tuner)
        // What is resident now beside the weights: the runtime, the tokenizer, the tokenized data.
        let other = Double(MemoryEstimate.residentBytes()) - memory.weights
        printError("finetune: \(train.count) training and \(validation.count) validation examples from \(dataset.records) "
                   + "records (\(dataset.skipped) skipped); target \(tuner.target), order \(tuner.order.rawValue), "
                   + "\(tuner.phases.count) phase(s) of \(tuner.stepsPerPhase) steps")
        printError(String(format: "finetune: memory plan: weights %.0f MB, activations of one micro-batch ≤ %.0f MB "
                          + "and its backward's buffers ≤ %.0f MB, adapters with gradients and AdamW moments %.0f MB; "
                          + "runtime, tokenizer and data %.0f MB: %.0f MB in all", memory.weights / 1e6,
                          memory.activations / 1e6, memory.transients / 1e6, memory.adapters / 1e6, other / 1e6,
                          (memory.weights + memory.activations + memory.transients + memory.adapters + other) / 1e6))
        let interactive = isatty(STDERR_FILENO) == 1
        let phaseCount = tuner.phases.count, stepsPerPhase = tuner.stepsPerPhase
        var adapterParameters: [Int] = []
        let report = try tuner.run(resume: resume) { event in
            switch event {
            case let .phaseStarted(p, keys, params):
                adapterParameters.append(params)
                let sites = Set(keys.map(\.site.rawValue)).sorted().joined(separator: "+")
                printError("finetune: phase \(p + 1)/\(phaseCount): \(keys.count) adapters on \(sites) (\(params) parameters)")
            case let .step(r, done, total, rate, eta):
                let line = String(format: "finetune: phase %d step %d/%d  loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s  ETA %@",
                                  r.phase + 1, r.step, stepsPerPhase, r.loss, r.learningRate, r.gradientNorm, rate,
                                  Self.duration(eta))
                if interactive {
                    FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
                    if done == total { printError("") }
                } else {
                    printError(line)
                }
            case let .validation(v):
                if interactive { printError("") }
                printError(String(format: "finetune: phase %d step %d  validation loss %.4f (%d tokens)",
                                  v.phase + 1, v.step, v.loss, v.tokens))
            case let .checkpointSaved(url, p, s):
                if !interactive { printError("finetune: checkpoint \(url.lastPathComponent) (phase \(p + 1), step \(s))") }
            }
        }
        try tuner.model.apply(to: &loaded.model)
        let info = FineTuneInfo(report: report, data: dataURL.lastPathComponent, format: format.rawValue,
                                cutoffLength: cutoffLen, trainOnInputs: trainOnInputs, valSetSize: valSetSize)
        try FineTunedModelWriter.write(model: loaded.model, source: modelURL, to: outURL, info: info, force: force)
        try? FileManager.default.removeItem(at: checkpoint)
        let output = Output(out: outURL.path, data: data, format: format.rawValue, records: dataset.records,
                            skipped: dataset.skipped, report: report, seconds: Date().timeIntervalSince(start),
                            peak_rss_bytes: peakResidentBytes(), adapter_parameters: adapterParameters,
                            memory_plan_bytes: ["weights": memory.weights, "activations": memory.activations,
                                                "transients": memory.transients, "adapters": memory.adapters,
                                                "other": other])
        if json {
            print(jsonLine(output))
        } else {
            let first = report.validation.first.map { String(format: "%.4f", $0.loss) } ?? "-"
            let last = report.validation.last.map { String(format: "%.4f", $0.loss) } ?? "-"
            print(String(format: "fine-tuned %@ (%@, %d steps): validation loss %@ → %@, %.0f tok/s, %.1f s, peak RSS %.0f MB",
                         outURL.path, tuner.order.rawValue, report.history.count, first, last, report.tokensPerSecond,
                         output.seconds, Double(output.peak_rss_bytes) / 1e6))
        }
    }

    /// Names, sizes and modification times of the model's files: what a resume must find unchanged.
    static func identity(of url: URL) -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        _ = fm.fileExists(atPath: url.path, isDirectory: &isDir)
        let files = isDir.boolValue ? ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).sorted().map { url.appendingPathComponent($0) } : [url]
        return files.map { f in
            let a = try? fm.attributesOfItem(atPath: f.path)
            let size = (a?[.size] as? NSNumber)?.intValue ?? -1
            let time = (a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(f.lastPathComponent):\(size):\(time)"
        }.joined(separator: "|")
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}

extension DataFormat: ExpressibleByArgument {}
extension TrainingOrder: ExpressibleByArgument {}

/// The `"finetune"` object of a fine-tuned model's config.json.
struct FineTuneInfo: Encodable {
    var method = "lora"
    var options: FineTuneOptions
    var target: String
    var order: String
    var data: String
    var format: String
    var cutoff_len: Int
    var train_on_inputs: Bool
    var val_set_size: Int
    var steps: Int
    var validation_loss: [Double]
    var train_seconds: Double

    init(report: FineTuneReport, data: String, format: String, cutoffLength: Int, trainOnInputs: Bool, valSetSize: Int) {
        options = report.options
        target = report.target
        order = report.order
        self.data = data
        self.format = format
        cutoff_len = cutoffLength
        train_on_inputs = trainOnInputs
        val_set_size = valSetSize
        steps = report.history.count
        validation_loss = report.validation.map(\.loss)
        train_seconds = report.trainSeconds
    }
}
