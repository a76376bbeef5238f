import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm eval ppl|speed`: perplexity with the SVD-LLM protocol, and prefill/decode throughput.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model: perplexity (ppl) or speed.",
        subcommands: [PerplexityCommand.self, SpeedCommand.self])
}

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppl",
        abstract: "Perplexity over consecutive non-overlapping windows (the SVD-LLM protocol).",
        discussion: """
            The whole text is tokenized once without special tokens and cut into windows of --seqlen tokens
            (with BOS first when on: then seqlen−1 text tokens); every next-token prediction is scored and
            ppl = exp(mean NLL). --bos auto follows the tokenizer's add-BOS flag (on for Gemma 3).
            """)

    enum BOSMode: String, ExpressibleByArgument, CaseIterable { case auto, on, off }

    @Argument(help: "A .gguf file or a Hugging Face folder.") var model: String
    @Option(help: "The text file to score (UTF-8).") var text: String
    @Option(help: "Tokens per window.") var seqlen: Int = 512
    @Option(help: "Windows to score (0 = all).") var windows: Int = 0
    @Option(help: "BOS first in every window: auto, on, off.") var bos: BOSMode = .auto
    @OptionGroup var workers: WorkerThreads
    @OptionGroup var weights: WeightStorageOption
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Print the time per forward phase to stderr.") var profile = false

    func validate() throws {
        guard windows >= 0 else { throw ValidationError("--windows must be ≥ 0 (got \(windows))") }
    }

    struct Output: Encodable {
        var ppl: Double
        var tokens_scored: Int
        var windows: Int
        var seqlen: Int
        var bos: Bool
        var tokens_per_s: Double
        var seconds: Double
        var peak_rss_bytes: Int
    }

    func run() throws {
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: weights.storage)
        loaded.model.decodeProduct = weights.decodeInputs.variant
        if profile { loaded.model.profile = ForwardProfile() }
        let textData: String
        do {
            textData = try String(contentsOfFile: text, encoding: .utf8)
        } catch {
            throw CLIError("--text: cannot read '\(text)' as UTF-8: \(error.localizedDescription)")
        }
        let ids = loaded.tokenizer.encode(textData, addSpecialTokens: false)
        let useBOS = bos == .on || (bos == .auto && loaded.model.config.addBos)
        let interactive = isatty(STDERR_FILENO) == 1
        let start = Date()
        // `perplexity` checks the window length (and that the text fills a window).
        let result = try FlagNames(["seqlen": "--seqlen", "tokens": "--text"]).callAsFunction {
            try perplexity(model: loaded.model, tokens: ids, seqlen: seqlen, windows: windows, bos: useBOS) {
            window, total, pplSoFar in
            guard interactive else { return }
            let elapsed = Date().timeIntervalSince(start)
            let rate = Double(window * seqlen) / max(elapsed, 1e-9)
            let eta = Double(total - window) * Double(seqlen) / max(rate, 1e-9)
            FileHandle.standardError.write(Data(String(
                format: "\rppl: window %d/%d  ppl %.3f  %.0f tok/s  ETA %.0f s   ", window, total, pplSoFar, rate, eta).utf8))
            }
        }
        if interactive { printError("") }
        if let p = loaded.model.profile { printError(p.report) }
        let out = Output(ppl: result.ppl, tokens_scored: result.tokensScored, windows: result.windows,
                         seqlen: result.seqlen, bos: result.bos, tokens_per_s: result.tokensPerSecond,
                         seconds: result.seconds, peak_rss_bytes: peakResidentBytes())
        if json {
            print(jsonLine(out))
        } else {
            print(String(format: "perplexity %.4f over %d tokens (%d windows of %d, BOS %@), %.1f tok/s, %.1f s, peak RSS %.0f MB",
                         out.ppl, out.tokens_scored, out.windows, out.seqlen, out.bos ? "on" : "off",
                         out.tokens_per_s, out.seconds, Double(out.peak_rss_bytes) / 1e6))
        }
    }
}

struct SpeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract: "Prefill and decode throughput (batch 1, KV cache), peak memory, weight bytes, weight-read bandwidth.",
        discussion: """
            JSON keys: prefill_tokens_per_s, decode_tokens_per_s, peak_rss_bytes, weight_bytes (as stored), params,
            storage, decode_read_bytes (weight bytes one decode step reads: every linear and the output once, one
            embedding row), weight_read_bytes_per_s (one streaming read of every stored weight, same threads),
            decode_bound_tokens_per_s (that bandwidth / decode_read_bytes), decode_bound_fraction (decode / bound) and
            decode_inputs (--decode-inputs).
            """)

    @Argument(help: "A .gguf file or a Hugging Face folder.") var model: String
    @Option(name: .customLong("prompt-tokens"), help: "Prompt length for the prefill.") var promptTokens: Int = 512
    @Option(name: .customLong("gen-tokens"), help: "Decode steps after the prefill.") var genTokens: Int = 128
    @OptionGroup var workers: WorkerThreads
    @OptionGroup var weights: WeightStorageOption
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Print the time per forward phase (prefill and decode together) to stderr.") var profile = false

    /// `speed` checks the prompt length; at least one decode step is this command's own rule (it reports a rate).
    func validate() throws {
        guard genTokens >= 1 else { throw ValidationError("--gen-tokens must be at least 1") }
    }

    struct Output: Encodable {
        var prefill_tokens_per_s: Double
        var decode_tokens_per_s: Double
        var peak_rss_bytes: Int
        var weight_bytes: Int
        var params: Int
        var storage: String
        var decode_read_bytes: Int
        var weight_read_bytes_per_s: Double
        var decode_bound_tokens_per_s: Double
        var decode_bound_fraction: Double
        var decode_inputs: String
    }

    func run() throws {
        var loaded = try LoadedModel(path: model, threads: workers.threads, storage: weights.storage)
        loaded.model.decodeProduct = weights.decodeInputs.variant
        if profile { loaded.model.profile = ForwardProfile() }
        let r = try FlagNames(["promptTokens": "--prompt-tokens"]).callAsFunction {
            try speed(model: loaded.model, promptTokens: promptTokens, genTokens: genTokens,
                      parallelism: .threads(workers.threads))
        }
        let out = Output(prefill_tokens_per_s: r.prefillTokensPerSecond, decode_tokens_per_s: r.decodeTokensPerSecond,
                         peak_rss_bytes: peakResidentBytes(), weight_bytes: r.weightBytes, params: r.params,
                         storage: loaded.model.storageDescription, decode_read_bytes: r.decodeReadBytes,
                         weight_read_bytes_per_s: r.weightReadBytesPerSecond,
                         decode_bound_tokens_per_s: r.decodeBoundTokensPerSecond,
                         decode_bound_fraction: r.decodeBoundFraction, decode_inputs: weights.decodeInputs.rawValue)
        if let p = loaded.model.profile { printError(p.report) }
        if json {
            print(jsonLine(out))
        } else {
            print(String(format: "prefill %.1f tok/s (%d tokens), decode %.2f tok/s (%d tokens, %@ inputs to q8/int4), %d threads",
                         out.prefill_tokens_per_s, promptTokens, out.decode_tokens_per_s, genTokens, out.decode_inputs,
                         workers.threads))
            print(String(format: "params %ld, weights %.1f MB (%@), peak RSS %.0f MB (%.2f× the weights)", out.params,
                         Double(out.weight_bytes) / 1e6, out.storage, Double(out.peak_rss_bytes) / 1e6,
                         Double(out.peak_rss_bytes) / Double(out.weight_bytes)))
            print(String(format: "a decode step reads %.1f MB; weights stream at %.1f GB/s: decode bound %.1f tok/s (%.0f %% reached)",
                         Double(out.decode_read_bytes) / 1e6, out.weight_read_bytes_per_s / 1e9,
                         out.decode_bound_tokens_per_s, 100 * out.decode_bound_fraction))
        }
    }
}
