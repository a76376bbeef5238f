import ArgumentParser
import Foundation
import SVDLLMKit

/// The grid options shared by `quantize` and `compress --quantize`.
struct QuantizationArguments: ParsableArguments {
    @Option(name: .customLong("group-size"), help: "Inputs per group: 32, 64, 128, or -1 (one group per row). A partial last group is kept when it does not divide a matrix's inputs.")
    var groupSize: Int = 128
    @Flag(help: "Symmetric grid (zero point fixed at 2^(bits-1)).") var sym = false
    @Flag(name: .customLong("act-order"), help: "GPTQ: quantize the inputs by decreasing Hessian diagonal (desc_act; g_idx stored).")
    var actOrder = false
    @Option(help: "GPTQ: damping, a fraction of the mean Hessian diagonal.") var damp: Double = 0.01
    @Option(name: .customLong("embedding-bits"), help: "Token embedding (and tied lm_head): 8 (q8 blocks of 32), 16 (f16) or 32 (f32).")
    var embeddingBits: Int = 32
}

/// `--json` summary of a quantization: sizes, bits per weight, times, per-matrix errors.
struct QuantizationSummary: Encodable {
    var method: String
    var bits: Int
    var group_size: Int
    var sym: Bool
    var act_order: Bool
    var embedding_bits: Int
    var nsamples: Int
    var seqlen: Int
    /// Bytes by kind in the GPTQ checkpoint layout (``GPTQPackedTensors``).
    var bytes: [String: Int]
    var linear_params: Int
    var bits_per_linear_weight: Double
    var bits_per_weight: Double
    var seconds: [String: Double]
    var gptq_error_sum: Double?
    var rtn_error_sum: Double?
    var matrices: [QuantizedMatrixRecord]
    var ppl: Double?
    var ppl_windows: Int?

    init(report: SequentialQuantizationReport, model: CausalLM) {
        let o = report.options
        method = o.method.rawValue
        bits = o.bits
        group_size = o.groupSize
        sym = o.symmetric
        act_order = o.actOrder
        embedding_bits = o.embeddingBits
        nsamples = report.nsamples
        seqlen = report.seqlen
        var qweight = 0, qzeros = 0, scales = 0, gIdx = 0, biases = 0, params = 0
        for m in report.matrices {
            let groups = (m.cols + m.groupSize - 1) / m.groupSize
            qweight += 4 * GPTQWordPacking.wordCount(codes: m.cols, bits: o.bits) * m.rows
            qzeros += 4 * groups * GPTQWordPacking.wordCount(codes: m.rows, bits: o.bits)
            scales += 2 * groups * m.rows
            if o.actOrder { gIdx += 4 * m.cols }
            params += m.rows * m.cols
        }
        for b in model.blocks { for n in b.linearNames { biases += 4 * (b.linear(n).bias?.count ?? 0) } }
        let embedding = model.embedding.byteCount
        let output = model.outputTied ? 0 : model.output.byteCount
        let norms = model.weightBytes - embedding - output
            - model.blocks.reduce(0) { t, b in t + b.linearNames.reduce(0) { $0 + b.linear($1).byteCount } }
        bytes = ["qweight": qweight, "qzeros": qzeros, "scales": scales, "g_idx": gIdx, "biases": biases,
                 "embedding": embedding, "lm_head": output, "norms": max(0, norms)]
        bytes["total"] = bytes.values.reduce(0, +)
        linear_params = params
        bits_per_linear_weight = Double(8 * (qweight + qzeros + scales + gIdx)) / Double(max(1, params))
        bits_per_weight = Double(8 * bytes["total"]!) / Double(max(1, model.parameterCount))
        let s = report.seconds
        seconds = ["profiling": s.profiling, "quantization": s.quantization, "propagation": s.propagation, "total": s.total]
        let g = report.matrices.compactMap(\.gptqError), r = report.matrices.compactMap(\.rtnError)
        gptq_error_sum = g.isEmpty ? nil : g.reduce(0, +)
        rtn_error_sum = r.isEmpty ? nil : r.reduce(0, +)
        matrices = report.matrices
    }
}

/// Runs the sequential quantizer with a progress line per layer on stderr.
func quantizeModel(_ model: inout CausalLM, windows: [[Int]], options: SequentialQuantizationOptions,
                   threads: Int) throws -> SequentialQuantizationReport {
    var q = SequentialQuantizer(options: options, parallelism: .threads(threads))
    q.progress = { printError($0) }
    do { return try q.run(&model, windows: windows) } catch let e as ModelQuantizationError {
        throw CLIError(e.description)
    }
}

/// Parses `--quantize <method><bits>` (gptq4, rtn4, gptq3, …).
func parseQuantizeSpec(_ spec: String) -> (WeightQuantizationMethod, Int)? {
    for m in WeightQuantizationMethod.allCases where spec.hasPrefix(m.rawValue) {
        if let b = Int(spec.dropFirst(m.rawValue.count)) { return (m, b) }
    }
    return nil
}

/// `svdllm quantize`: GPTQ or RTN on a dense or compressed model, block by block on calibration windows.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a model's decoder linears (GPTQ or round-to-nearest), block by block.",
        discussion: """
            Calibration windows as in compress (--nsamples windows of --seqlen tokens of --calib, seed --seed). Each
            block is quantized on the hidden states that went through the already quantized blocks; a low-rank linear
            U·V has V quantized on its input's Gram and U on the Gram of V_q x. The linears are held packed (int2, int3,
            int4 or int8) and saved with --out in the GPTQ checkpoint layout. --eval-text scores the quantized model
            in memory (perplexity, --eval-windows windows).
            """)

    @Argument(help: "A .gguf file or a Hugging Face folder (dense or compressed).") var model: String
    @Option(help: "Bits per weight: 2, 3, 4 or 8.") var bits: Int = 4
    @Option(help: "gptq or rtn.") var method: String = "gptq"
    @OptionGroup var grid: QuantizationArguments
    @Option(help: "Calibration text (UTF-8; default: PTB train from the asset cache).") var calib: String?
    @Option(help: "Calibration windows.") var nsamples: Int = 128
    @Option(help: "Tokens per calibration window.") var seqlen: Int = 512
    @Option(help: "Seed of the calibration sampler.") var seed: UInt64 = 3
    @Option(help: "Output folder.") var out: String?
    @Flag(help: "Replace a non-empty output folder.") var force = false
    @Option(name: .customLong("eval-text"), help: "Score the quantized model in memory on this text (perplexity).")
    var evalText: String?
    @Option(name: .customLong("eval-windows"), help: "Windows of --seqlen tokens to score (0 = all).") var evalWindows: Int = 0
    @Flag(name: .customLong("no-rtn-error"), help: "GPTQ: skip measuring round-to-nearest's error beside it.") var noRTNError = false
    @OptionGroup var workers: WorkerThreads
    @Flag(help: "Print one JSON object.") var json = false

    var options: SequentialQuantizationOptions {
        SequentialQuantizationOptions(method: WeightQuantizationMethod(rawValue: method) ?? .gptq, bits: bits,
                                      groupSize: grid.groupSize, symmetric: grid.sym, actOrder: grid.actOrder,
                                      damp: grid.damp, embeddingBits: grid.embeddingBits,
                                      measureRTN: method == "gptq" && !noRTNError)
    }

    func validate() throws {
        guard WeightQuantizationMethod(rawValue: method) != nil else { throw ValidationError("--method must be gptq or rtn (got '\(method)')") }
        do { try options.validate() } catch { throw ValidationError(error.description) }
        guard nsamples >= 1 else { throw ValidationError("--nsamples must be at least 1 (got \(nsamples))") }
        guard seqlen >= 2 else { throw ValidationError("--seqlen must be at least 2 (got \(seqlen))") }
    }

    func run() throws {
        let start = Date()
        let modelURL = URL(fileURLWithPath: model).standardizedFileURL
        if QuantizedModelWriter.isQuantizedFolder(modelURL) {
            throw CLIError("\(model): the model is already quantized (config.json has a \"quantization\" object)")
        }
        let outURL = out.map { URL(fileURLWithPath: $0).standardizedFileURL }
        if let outURL { try CompressedModelWriter.checkDestination(outURL, force: force) }
        let outLock = try outURL.map { try FolderLock(guarding: $0) }  // one run per output folder
        defer { outLock?.release() }
        // The texts are read after loading (--calib) and after quantizing (--eval-text): checked now.
        for (flag, path) in [("--calib", calib), ("--eval-text", evalText)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw CLIError("\(flag): cannot read '\(path)': no such readable file")
            }
        }
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: .f32)
        let opts = options
        var windows: [[Int]] = []
        var calibName = ""
        if opts.method == .gptq || opts.measureRTN {
            let calibURL = try calib.map { URL(fileURLWithPath: $0) } ?? AssetCache.default.require(AssetCache.default.ptb("train"))
            calibName = calibURL.lastPathComponent
            let text: String
            do { text = try String(contentsOf: calibURL, encoding: .utf8) } catch {
                throw CLIError("--calib: cannot read '\(calibURL.path)' as UTF-8: \(error.localizedDescription)")
            }
            windows = try CalibrationSampler(sampleCount: nsamples, sequenceLength: seqlen, seed: seed)
                .windows(text: text, tokenizer: loaded.tokenizer)
        }
        let calibrationSeconds = Date().timeIntervalSince(start)
        let report = try quantizeModel(&loaded.model, windows: windows, options: opts, threads: workers.threads)
        var summary = QuantizationSummary(report: report, model: loaded.model)
        summary.seconds["calibration"] = calibrationSeconds
        if let outURL {
            let t = Date()
            let info = QuantizedModelInfo(options: opts, calibration: windows.isEmpty ? nil : .init(
                text: calibName, nsamples: nsamples, seqlen: seqlen, seed: seed))
            try QuantizedModelWriter.write(model: loaded.model, source: modelURL, to: outURL, quantization: info, force: force)
            summary.seconds["writing"] = Date().timeIntervalSince(t)
            summary.bytes["folder"] = folderBytes(outURL)
        }
        if let evalText {
            let textData: String
            do { textData = try String(contentsOfFile: evalText, encoding: .utf8) } catch {
                throw CLIError("--eval-text: cannot read '\(evalText)' as UTF-8: \(error.localizedDescription)")
            }
            let t = Date()
            let ids = loaded.tokenizer.encode(textData, addSpecialTokens: false)
            let r = try perplexity(model: loaded.model, tokens: ids, seqlen: 512, windows: evalWindows,
                                   bos: loaded.model.config.addBos)
            summary.ppl = r.ppl
            summary.ppl_windows = r.windows
            summary.seconds["eval"] = Date().timeIntervalSince(t)
        }
        summary.seconds["total"] = Date().timeIntervalSince(start)
        if json {
            print(jsonLine(summary))
        } else {
            print("quantized \(model) (\(opts.method.rawValue) \(opts.bits)-bit, group \(opts.groupSize)\(opts.actOrder ? ", act-order" : "")\(opts.symmetric ? ", sym" : "")) in \(String(format: "%.1f", summary.seconds["total"]!)) s"
                  + (outURL.map { " → \($0.path)" } ?? ""))
            print(String(format: "linears: %.3f bits per weight; model %.3f bits per weight, %.2f MB%@",
                         summary.bits_per_linear_weight, summary.bits_per_weight, Double(summary.bytes["total"]!) / 1e6,
                         summary.bytes["folder"].map { String(format: " (folder %.2f MB)", Double($0) / 1e6) } ?? ""))
            if let g = summary.gptq_error_sum {
                print(String(format: "Σ‖(W−Q)X‖²: gptq %.4g%@", g, summary.rtn_error_sum.map { String(format: ", rtn %.4g", $0) } ?? ""))
            }
            if let p = summary.ppl { print(String(format: "perplexity %.4f (%d windows)", p, summary.ppl_windows ?? 0)) }
        }
    }
}

/// Bytes of the regular files of a folder.
func folderBytes(_ url: URL) -> Int {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: url.path) else { return 0 }
    return names.reduce(0) { t, n in
        t + ((try? fm.attributesOfItem(atPath: url.appendingPathComponent(n).path)[.size] as? Int) ?? 0)
    }
}
