import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm compress`: SVD-LLM (or a baseline) on a GGUF file or Hugging Face folder, written as a Hugging Face
/// folder of low-rank factors that `eval` and `generate` load.
struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress a model's decoder linears by truncation-aware SVD (SVD-LLM) or a baseline.",
        discussion: """
            Calibration: --nsamples random windows of --seqlen tokens from --calib (PTB train by default), drawn
            with the official code's sampler and CPython's generator seeded by --seed. Profiling runs block by
            block and keeps one block's activations. Methods: whiten (SVD-LLM step 1), whiten+update (step 2),
            update (step 3: update without whitening), svd and asvd (baselines). --ratio R removes the fraction
            R of the decoder linears' parameters: rank r = floor(m·n·(1−R)/(m+n)) per matrix.
            Finished layers are saved in OUT.partial; --resume continues an interrupted run from there.
            """)

    enum DType: String, ExpressibleByArgument, CaseIterable { case f32, f16, bf16 }
    /// What the run holds in memory.
    enum Memory: String, ExpressibleByArgument, CaseIterable { case layer, model }

    @Argument(help: "A .gguf file or a Hugging Face folder.") var model: String
    @Option(help: "Fraction of the decoder linears' parameters to remove, in (0, 1).") var ratio: Double
    @Option(help: "whiten (SVD-LLM step 1), whiten+update (step 2), update (step 3), svd or asvd (baselines).")
    var method: CompressionMethod = .whiten
    @Option(help: "Calibration text (UTF-8; default: PTB train from the asset cache).") var calib: String?
    @Option(help: "Calibration windows.") var nsamples: Int = 64
    @Option(help: "Tokens per calibration window.") var seqlen: Int = 512
    @Option(help: "Seed of the calibration sampler.") var seed: UInt64 = 3
    @Option(name: .customLong("update-nsamples"),
            help: "Update methods: fit W_u on N windows (the official code uses 16; default: all calibration windows, or 16 token windows).")
    var updateNsamples: Int?
    @Option(name: .customLong("update-sampler"),
            help: "Update methods: 'calibration' (the first --update-nsamples calibration windows) or 'token-windows' (the official code's get_loaders: random token offsets into the tokenized --calib, same --seed).")
    var updateSampler: UpdateSampler = .calibration

    enum UpdateSampler: String, ExpressibleByArgument, CaseIterable { case calibration, tokenWindows = "token-windows" }
    @Option(help: "SVD of W·S: bidiagonal (gesdd-like: Householder bidiagonalization, divide and conquer), jacobi (one-sided Jacobi: the high-relative-accuracy reference, slower) or rsvd (randomized, approximate).") var svd: TruncationSVD = .bidiagonal
    @Option(name: .customLong("svd-precision"),
            help: "Precision of the SVD of W·S: f64, or f32 (W·S formed in f64 and rounded; the kept σ recomputed in f64; the official code's fp32 SVD).")
    var svdPrecision: SVDPrecision = .double
    @Flag(name: .customLong("check-svd-precision"),
          help: "With --svd-precision f32: also take every SVD in f64 and report the σ and subspace errors of the f32 one (in --report, and their largest on stderr); doubles the SVD work.")
    var checkSVDPrecision = false
    @Option(help: "How the Grams XᵀX of the profiles are accumulated: float-slabs (each slab of up to KC tokens summed in f32 by the f32 kernel, the slabs added in f64) or double (every product and sum in f64).")
    var gram: SYRKAccumulation = .double
    @Option(name: .customLong("rank-allocation"),
            help: "uniform (the paper: r = ⌊m·n·(1−R)/(m+n)⌋ for every matrix), sensitivity (ASVD's truncation rank search: every matrix truncated alone to 10 %…90 % of its parameters, perplexity on --sensitivity-windows calibration windows, the least harmful candidates taken until the budget is met; unpicked matrices stay dense) or loss (whiten methods: the ranks minimizing Σ dropped σ² of W·S / c_W within (1−R)·Σ m·n, greedily from every matrix's whitened spectrum; see --loss-normalization).")
    var rankAllocation: RankAllocation = .uniform
    @Option(name: .customLong("loss-normalization"),
            help: "--rank-allocation loss: c_W of each matrix's loss: raw (1), relative (‖W·S‖²_F), layer (Σ ‖W·S‖²_F over its layer) or type (Σ ‖W·S‖²_F over its kind in every layer).")
    var lossNormalization: LossNormalization = .relative
    @Option(name: .customLong("budget-scope"),
            help: "--rank-allocation loss: global (one budget (1−R)·Σ m·n for all matrices) or type (one per kind of linear, spent over the layers).")
    var budgetScope: BudgetScope = .global
    @Option(name: .customLong("min-rank-fraction"),
            help: "--rank-allocation loss: every matrix keeps a rank ≥ ⌈f·min(m, n)⌉ (and ≥ 1).")
    var minRankFraction: Double = 0
    @Option(name: .customLong("max-rank-fraction"),
            help: "--rank-allocation loss: every matrix keeps a rank ≤ ⌊f·min(m, n)⌋; a matrix turns dense only when that allows a rank whose factors would cost its m·n.")
    var maxRankFraction: Double = 1
    @Option(name: .customLong("sensitivity-windows"),
            help: "--rank-allocation sensitivity: calibration windows the perplexities are measured on (each costs 9 partial forward passes per matrix).")
    var sensitivityWindows: Int = 1
    @Option(name: .customLong("sensitivities"),
            help: "--rank-allocation sensitivity: search on the list in this earlier --report JSON (same model, method, calibration) instead of measuring it.")
    var sensitivitiesFrom: String?
    @Option(help: "Output folder (default: MODELNAME-METHOD-RATIO beside the current folder).") var out: String?
    @Option(help: "Stored weight type: f32, f16 or bf16.") var dtype: DType = .f32
    @Option(help: "layer: the source stays mapped in its stored type, one decoder layer is widened to f32 at a time and finished layers are read back from OUT.partial (peak memory ≈ one layer + the calibration activations); model: the whole model widened to f32 up front. --quantize needs model (the default then).")
    var memory: Memory?
    /// Where the calibration hidden states live.
    enum Activations: String, ExpressibleByArgument, CaseIterable { case memory, disk }
    @Option(help: "memory: the calibration hidden states (nsamples × seqlen × hidden floats per stream) stay in memory; disk: they are spilled to files in OUT.partial and read back one window per worker.")
    var activations: Activations = .memory
    @Option(help: "Compress only decoder layers A-B (inclusive, e.g. 0-13): they are saved in OUT.partial and the run stops; a later run with --resume (or --join) completes the model. whiten, svd and asvd ranges are independent (one machine each); the update methods need the earlier layers first.")
    var layers: String?
    @Option(help: "Join the finished layers of other runs' OUT.partial folders (comma-separated; the same model, calibration and method, e.g. --layers ranges computed on other machines) into this run's, then complete it.")
    var join: String?
    @Option(name: .customLong("profile-cache"), help: "Folder to save / reuse dense-model Gram profiles.") var profileCache: String?
    @OptionGroup var workers: WorkerThreads
    @Option(help: "Also write the full per-matrix report (ranks, losses, singular values) as JSON here.") var report: String?
    @Flag(help: "Continue an interrupted run from OUT.partial.") var resume = false
    @Flag(help: "Replace a non-empty output folder (and discard an interrupted run's OUT.partial).") var force = false
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "After compressing, quantize the model in memory on the same calibration windows and save it quantized: <method><bits>, method gptq or rtn, bits 2, 3, 4 or 8 (e.g. gptq4).")
    var quantize: String?
    @OptionGroup var quantization: QuantizationArguments

    /// The options of --quantize.
    var quantizationOptions: SequentialQuantizationOptions? {
        quantize.flatMap(parseQuantizeSpec).map { m, b in
            SequentialQuantizationOptions(method: m, bits: b, groupSize: quantization.groupSize, symmetric: quantization.sym,
                                          actOrder: quantization.actOrder, damp: quantization.damp,
                                          embeddingBits: quantization.embeddingBits, measureRTN: m == .gptq)
        }
    }

    /// The library's parameters as this command's flags (``FlagNames``).
    static let flagNames = FlagNames([
        "ratio": "--ratio", "updateSamples": "--update-nsamples", "sensitivityWindows": "--sensitivity-windows",
        "sensitivities": "--sensitivities", "minRankFraction": "--min-rank-fraction",
        "maxRankFraction": "--max-rank-fraction", "rankAllocation": "--rank-allocation", "sampleCount": "--nsamples", "sequenceLength": "--seqlen",
        "destination": "--out", "dtype": "--dtype", "force": "--force", "resume": "--resume",
    ])
    /// The update sampler's `sampleCount` is `--update-nsamples`.
    static let updateSamplerFlagNames = FlagNames(["sampleCount": "--update-nsamples", "sequenceLength": "--seqlen"])

    /// Update methods with `--update-sampler token-windows`: the update has windows of its own.
    var usesTokenWindows: Bool { updateSampler == .tokenWindows && method.updatesU }

    var options: CompressionOptions {
        var o = CompressionOptions(method: method, ratio: ratio, svd: svd, parallelism: .threads(workers.threads),
                                   updateSamples: usesTokenWindows ? nil : updateNsamples,
                                   rankAllocation: rankAllocation, sensitivityWindows: sensitivityWindows)
        o.layers = layers.flatMap(Self.parseLayers)
        o.lossNormalization = lossNormalization
        o.budgetScope = budgetScope
        o.minRankFraction = minRankFraction
        o.maxRankFraction = maxRankFraction
        o.gramAccumulation = gram
        o.svdPrecision = svdPrecision
        return o
    }

    /// "A-B" (inclusive) or "A" as a range of layer indices; nil when malformed.
    static func parseLayers(_ text: String) -> Range<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let a = parts.first!, let b = parts.last!, a >= 0, b >= a else { return nil }
        return a..<(b + 1)
    }
    var calibrationSampler: CalibrationSampler { CalibrationSampler(sampleCount: nsamples, sequenceLength: seqlen, seed: seed) }
    var tokenWindowSampler: TokenWindowSampler {
        TokenWindowSampler(sampleCount: updateNsamples ?? 16, sequenceLength: seqlen, seed: seed)
    }

    /// Each option is checked once, by the library type it configures (the messages name the flags), before any
    /// work; only the rules between flags are the command's own.
    func validate() throws {
        try Self.flagNames.validating {
            try options.validate()
            try calibrationSampler.validate()
        }
        if usesTokenWindows { try Self.updateSamplerFlagNames.validating { try tokenWindowSampler.validate() } }
        if let n = updateNsamples, !usesTokenWindows, n > nsamples {
            throw ValidationError("--update-nsamples must be at most --nsamples (\(nsamples)), got \(n)")
        }
        if let layers, Self.parseLayers(layers) == nil {
            throw ValidationError("--layers must be A-B with 0 ≤ A ≤ B (layer indices, inclusive), got '\(layers)'")
        }
        if layers != nil, quantize != nil {
            throw ValidationError("--layers and --quantize cannot be combined: quantize the completed model")
        }
        if checkSVDPrecision, svdPrecision == .double {
            throw ValidationError("--check-svd-precision needs --svd-precision f32")
        }
        if sensitivitiesFrom != nil, rankAllocation != .sensitivity {
            throw ValidationError("--sensitivities needs --rank-allocation sensitivity")
        }
        if quantize != nil, memory == .layer {
            throw ValidationError("--quantize needs --memory model (the quantizer works on the whole model in memory)")
        }
        if let quantize {
            guard let q = quantizationOptions else { throw ValidationError("--quantize must be <gptq|rtn><bits>, e.g. gptq4 (got '\(quantize)')") }
            do { try q.validate() } catch { throw ValidationError(error.description) }
        }
    }

    struct Output: Encodable {
        var out: String
        var method: String
        var ratio: Double
        var svd: String
        var svd_precision: String
        var gram: String
        var nsamples: Int
        var seqlen: Int
        var seed: UInt64
        var update_sampler: String?
        var update_nsamples: Int?
        var rank_allocation: String
        var loss_normalization: String?
        var parameter_budget: Int?
        var allocated_parameters: Int?
        var dense_matrices: Int
        var decoder_linear_params_before: Int
        var decoder_linear_params_after: Int
        var model_params_before: Int
        var model_params_after: Int
        var seconds: [String: Double]
        var peak_rss_bytes: Int
        var predicted_peak_rss_bytes: Int
        var memory: String
        var resumed_layers: Int
        var profile_from_cache: Bool
        var shifted_pivots: Int
        var predicted_loss_sum: Double
        var quantization: QuantizationSummary?
    }

    func run() throws {
        try Self.flagNames { try compress() }
    }

    func compress() throws {
        mapLargeAllocations()  // freed layer work goes back to the kernel: the peak stays what MemoryEstimate predicts
        var options = self.options
        if let path = sensitivitiesFrom {
            struct Saved: Decodable { var sensitivities: [TruncationSensitivity]? }
            let saved: Saved
            do { saved = try JSONDecoder().decode(Saved.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw CLIError("--sensitivities: cannot read '\(path)' as a compress --report JSON: \(error.localizedDescription)")
            }
            guard let list = saved.sensitivities else {
                throw CLIError("--sensitivities: '\(path)' holds no \"sensitivities\" list (a --rank-allocation sensitivity --report)")
            }
            options.sensitivities = list
        }
        let modelURL = URL(fileURLWithPath: model).standardizedFileURL
        let stem = modelURL.deletingPathExtension().lastPathComponent
        let outURL = URL(fileURLWithPath: out ?? "\(stem)-\(method.rawValue)-\(ratio)").standardizedFileURL
        let partial = URL(fileURLWithPath: outURL.path + ".partial")
        // Fail on an unusable destination before any work — except a --resume whose OUT is already there beside its
        // OUT.partial: a run stopped after putting OUT in place and before removing OUT.partial. Whether OUT is
        // this run's is known once the run's identity is (below).
        var occupied: CompressionError?
        do { try CompressedModelWriter.checkDestination(outURL, force: force) } catch {
            guard resume, FileManager.default.fileExists(atPath: partial.path) else { throw error }
            occupied = error
        }
        // One run per output folder: another one, even with --resume or --force, is refused here (naming this pid)
        // before it reads anything or touches OUT.partial.
        let outLock = try FolderLock(guarding: outURL)
        defer { outLock.release() }
        let start = Date()

        let calibURL = try calib.map { URL(fileURLWithPath: $0) } ?? AssetCache.default.require(AssetCache.default.ptb("train"))
        let text: String
        do { text = try String(contentsOf: calibURL, encoding: .utf8) } catch {
            throw CLIError("--calib: cannot read '\(calibURL.path)' as UTF-8: \(error.localizedDescription)")
        }
        let memory = self.memory ?? (quantize == nil ? .layer : .model)
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: memory == .layer ? .mapped : .f32)
        let windows = try calibrationSampler.windows(text: text, tokenizer: loaded.tokenizer)
        let updateWindows = usesTokenWindows
            ? try Self.updateSamplerFlagNames { try tokenWindowSampler.windows(text: text, tokenizer: loaded.tokenizer) }
            : nil
        let calibrationSeconds = Date().timeIntervalSince(start)

        // The peak this run will need, before any long work; refused when the machine cannot give it.
        let estimate = MemoryEstimate(model: loaded.model, options: options, windows: windows.count, seqlen: seqlen,
                                      resident: MemoryEstimate.residentBytes(), measuresLoss: report != nil,
                                      activations: activations == .disk ? .disk(partial) : .memory)
        let available = MemoryEstimate.availableBytes()
        if let available, estimate.peak - estimate.resident > available {
            throw CLIError(String(format: "compress needs about %.2f GB more memory than the %.2f GB available (predicted peak %.2f GB); "
                                  + "dominated by %@. Lower it with --activations disk or --nsamples (hidden states), --threads (per-worker Grams), or --memory layer (not the whole model in f32).",
                                  Double(estimate.peak - estimate.resident - available) / 1e9, Double(available) / 1e9,
                                  Double(estimate.peak) / 1e9, estimate.dominantPart))
        }

        var profile = RunFingerprint.model(at: modelURL)
        profile.add(windows: windows)
        profile.add(gramAccumulation: gram)
        var run = profile
        run.add("\(method.rawValue) \(ratio) \(svd.rawValue)")
        if svdPrecision != .double { run.add("svd precision \(svdPrecision.rawValue)") }
        if rankAllocation == .sensitivity { run.add("sensitivity \(sensitivityWindows)") }
        if rankAllocation == .loss { run.add("loss \(lossNormalization.rawValue) \(budgetScope.rawValue) \(minRankFraction) \(maxRankFraction)") }
        if let updateWindows {
            run.add("update token-windows")
            run.add(windows: updateWindows)
        } else if let updateNsamples, method.updatesU {
            run.add("update \(updateNsamples)")
        }
        let description = "\(method.rawValue) ratio \(ratio) svd \(svd.rawValue), \(nsamples)×\(seqlen) seed \(seed)"
        // The identity of the folder this run writes, recorded in its config.json.
        var written = run
        written.add("dtype \(dtype.rawValue)")
        if let quantize, let q = quantizationOptions { written.add("quantize \(quantize) \(q)") }
        if let occupied {
            guard CompressedModelWriter.recordedRun(in: outURL) == written.hex else { throw occupied }
            try LayerCheckpoint(directory: partial, fingerprint: run, description: description, resume: true).remove()
            printError("compress: \(outURL.path) was already written by this run (stopped before removing \(partial.lastPathComponent)); removed \(partial.path)")
            if json {
                struct Complete: Encodable { var out: String; var already_complete: Bool }
                print(jsonLine(Complete(out: outURL.path, already_complete: true)))
            } else {
                print("compressed \(model) → \(outURL.path): already complete")
            }
            return
        }
        // Only dense profiles are cached; a cache being written by another run is refused before OUT.partial is touched.
        let cache = !method.needsDenseProfile ? nil
            : try profileCache.map { try ProfileCache(root: URL(fileURLWithPath: $0), fingerprint: profile) }
        if force && !resume && join == nil { try? FileManager.default.removeItem(at: partial) }  // --force starts over
        let checkpoint = try LayerCheckpoint(directory: partial, fingerprint: run, description: description,
                                             resume: resume || join != nil)
        for other in (join ?? "").split(separator: ",").map({ URL(fileURLWithPath: String($0)).standardizedFileURL }) {
            let copied = try checkpoint.absorb(other)
            printError("compress: joined \(copied.count) layers from \(other.path)")
        }
        printError(String(format: "compress: predicted peak RSS %.2f GB (now %.2f GB, hidden states %.2f GB, largest phase: %@)%@",
                          Double(estimate.peak) / 1e9, Double(estimate.resident) / 1e9, Double(estimate.streams) / 1e9,
                          estimate.dominantPart, available.map { String(format: "; %.2f GB available", Double($0) / 1e9) } ?? ""))
        var compressor = Compressor(options: options,
                                    profileCache: cache,
                                    checkpoint: checkpoint)
        compressor.keepSpectra = report != nil
        if activations == .disk { compressor.activations = .disk(partial) }
        compressor.measureLoss = report != nil  // ‖(W − W_u W_v)X‖² costs two GEMMs per matrix: only for the report
        compressor.checksSVDPrecision = checkSVDPrecision
        let layers = loaded.model.layerCount
        var lastLayer = -1
        // One line per phase of a layer (profiling, update: the compressed model's inputs profiled, factoring, or
        // resumed), so a log shows where a run stopped; the sensitivity search once per layer.
        var lastPhase: CompressionProgress.Phase?
        compressor.progress = { p in
            guard p.layer != lastLayer || p.phase != lastPhase else { return }
            lastLayer = p.layer
            lastPhase = p.phase
            switch p.phase {
            case .sensitivity, .allocation:
                printError(String(format: "compress: %@ of layer %d/%d  %.0f s elapsed",
                                  p.phase == .sensitivity ? "sensitivity" : "spectra", p.layer + 1, layers, p.elapsed))
            case .profiling, .update:
                printError(String(format: "compress: layer %d/%d %@  %.0f s elapsed", p.layer + 1, layers, p.phase.rawValue, p.elapsed))
            case .factorization, .resumed:
                let done = Double(p.layer) / Double(layers)
                let eta = done > 0 ? p.elapsed / done * (1 - done) : 0
                printError(String(format: "compress: layer %d/%d %@  %.0f s elapsed, ETA %.0f s",
                                  p.layer + 1, layers, p.phase == .resumed ? "resumed" : "factoring", p.elapsed, eta))
            }
        }
        var result = try compressor.run(&loaded.model, windows: windows, updateWindows: updateWindows, seed: seed)
        result.seconds.calibration += calibrationSeconds
        let finished = checkpoint.finishedLayers().count
        if let range = options.layers, finished < layers {
            // A range: its layers are in OUT.partial; another run completes the model.
            let s = result.seconds
            let perLayer = (s.profiling + s.factorization + s.update) / Double(max(1, range.count))
            let projected = perLayer * Double(layers) + s.calibration + s.writing
            let peak = peakResidentBytes()
            if json {
                struct Partial: Encodable {
                    var partial: String; var layers: [Int]; var finished_layers: Int; var model_layers: Int
                    var seconds_per_layer: Double; var projected_seconds: Double; var peak_rss_bytes: Int
                    var predicted_peak_rss_bytes: Int; var seconds: [String: Double]
                }
                print(jsonLine(Partial(partial: partial.path, layers: [range.lowerBound, range.upperBound - 1],
                                       finished_layers: finished, model_layers: layers, seconds_per_layer: perLayer,
                                       projected_seconds: projected, peak_rss_bytes: peak,
                                       predicted_peak_rss_bytes: estimate.peak,
                                       seconds: ["calibration": s.calibration, "profiling": s.profiling,
                                                 "factorization": s.factorization, "update": s.update])))
            } else {
                print(String(format: "compress: layers %d-%d saved in %@ (%d of %d layers finished); %.1f s per layer, "
                             + "projected whole model %.0f s. Complete with the same command and --resume (or --join the other ranges' OUT.partial folders). peak RSS %.0f MB (predicted %.0f MB)",
                             range.lowerBound, range.upperBound - 1, partial.path, finished, layers, perLayer, projected,
                             Double(peak) / 1e6, Double(estimate.peak) / 1e6))
            }
            return
        }

        // --quantize: the compressed model, quantized in memory on the same windows, then written once.
        var quantized: QuantizationSummary?
        if let q = quantizationOptions {
            let qReport = try quantizeModel(&loaded.model, windows: windows, options: q, threads: workers.threads)
            quantized = QuantizationSummary(report: qReport, model: loaded.model)
        }
        let writeStart = Date()
        printError("compress: writing \(outURL.path)")
        var info = CompressedModelInfo(report: result, model: loaded.model, calibrationText: calibURL.lastPathComponent)
        info.run = written.hex
        if let q = quantizationOptions {
            try QuantizedModelWriter.write(model: loaded.model, source: modelURL, to: outURL, quantization: QuantizedModelInfo(
                options: q, calibration: .init(text: calibURL.lastPathComponent, nsamples: nsamples, seqlen: seqlen, seed: seed)),
                svdLLM: info, force: force)
            quantized?.bytes["folder"] = folderBytes(outURL)
        } else {
            try CompressedModelWriter.write(model: loaded.model, source: modelURL, to: outURL,
                                            dtype: SafeTensorsDType(rawValue: dtype.rawValue.uppercased())!,
                                            svdLLM: info, force: force)
        }
        checkpoint.remove()
        result.seconds.writing += Date().timeIntervalSince(writeStart)
        let checks = result.matrices.compactMap(\.svdPrecisionCheck)
        if !checks.isEmpty {
            func worst(_ f: (SVDPrecisionCheck) -> Double) -> Double { checks.map(f).max() ?? 0 }
            printError(String(format: "compress: f32 SVD against f64 over %d matrices, largest: kept σ relative error %.2e, σ error / σ₁ %.2e, "
                              + "sin of the largest principal angle %.2e (U) %.2e (V), truncation relative error %.2e",
                              checks.count, worst(\.keptSigmaRelativeError), worst(\.sigmaErrorOverLargest),
                              worst(\.leftSubspaceSine), worst(\.rightSubspaceSine), worst(\.truncationRelativeError)))
        }
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            do { try encoder.encode(result).write(to: URL(fileURLWithPath: report), options: .atomic) } catch {
                throw CLIError("--report: cannot write '\(report)': \(error.localizedDescription)")
            }
        }
        let s = result.seconds
        var seconds = ["calibration": s.calibration, "profiling": s.profiling, "factorization": s.factorization,
                       "update": s.update, "writing": s.writing, "total": Date().timeIntervalSince(start)]
        if let q = quantized?.seconds["total"] { seconds["quantization"] = q }
        if let sensitivity = s.sensitivity { seconds["sensitivity"] = sensitivity }
        if let allocation = s.allocation { seconds["allocation"] = allocation }
        let output = Output(
            out: outURL.path, method: method.rawValue, ratio: ratio, svd: svd.rawValue, svd_precision: svdPrecision.rawValue, gram: gram.rawValue, nsamples: nsamples, seqlen: seqlen,
            seed: seed, update_sampler: result.updateSampler, update_nsamples: result.updateSamples,
            rank_allocation: rankAllocation.rawValue, loss_normalization: result.lossNormalization,
            parameter_budget: result.parameterBudget, allocated_parameters: result.allocatedParameters, dense_matrices: result.denseMatrices?.count ?? 0,
            decoder_linear_params_before: result.parameters.decoderLinearsBefore,
            decoder_linear_params_after: result.parameters.decoderLinearsAfter,
            model_params_before: result.parameters.modelBefore, model_params_after: result.parameters.modelAfter,
            seconds: seconds,
            peak_rss_bytes: peakResidentBytes(), predicted_peak_rss_bytes: estimate.peak, memory: memory.rawValue,
            resumed_layers: result.resumedLayers,
            profile_from_cache: result.profileFromCache,
            shifted_pivots: result.matrices.reduce(0) { $0 + $1.shiftedPivots },
            predicted_loss_sum: result.matrices.reduce(0) { $0 + $1.predictedLoss }, quantization: quantized)
        if json {
            print(jsonLine(output))
        } else {
            let p = result.parameters
            print("compressed \(model) → \(outURL.path) (\(method.rawValue), ratio \(ratio), svd \(svd.rawValue))")
            print(String(format: "decoder linears %ld → %ld params (%.2f %% kept); whole model %ld → %ld",
                         p.decoderLinearsBefore, p.decoderLinearsAfter,
                         100 * Double(p.decoderLinearsAfter) / Double(max(1, p.decoderLinearsBefore)), p.modelBefore, p.modelAfter))
            print(String(format: "time: calibration %.1f s, profiling %.1f s, factorization %.1f s, update %.1f s, writing %.1f s, total %.1f s",
                         s.calibration, s.profiling, s.factorization, s.update, s.writing, output.seconds["total"]!))
            print(String(format: "peak RSS %.0f MB (predicted %.0f MB); %d Cholesky pivots shifted%@%@", Double(output.peak_rss_bytes) / 1e6,
                         Double(estimate.peak) / 1e6, output.shifted_pivots, result.resumedLayers > 0 ? "; \(result.resumedLayers) layers resumed" : "",
                         result.profileFromCache ? "; profile from cache" : ""))
            if rankAllocation != .uniform {
                if let budget = result.parameterBudget, let kept = result.allocatedParameters {
                    print(String(format: "%@ allocation (%@): %ld of the budget %ld decoder-linear weights (%.4f %%), allocation %.1f s",
                                 rankAllocation.rawValue, (result.lossNormalization ?? "") + " " + (result.budgetScope ?? ""), kept, budget,
                                 100 * Double(kept) / Double(max(1, budget)), s.allocation ?? 0))
                }
                for line in rankSummary(result) { print("  " + line) }
            }
        }
    }
}

extension RankAllocation: ExpressibleByArgument {}
extension CompressionMethod: ExpressibleByArgument {}
extension TruncationSVD: ExpressibleByArgument {}
extension SYRKAccumulation: ExpressibleByArgument {}
extension SVDPrecision: ExpressibleByArgument {}
extension LossNormalization: ExpressibleByArgument {}
extension BudgetScope: ExpressibleByArgument {}
