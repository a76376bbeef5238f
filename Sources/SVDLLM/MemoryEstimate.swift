import Foundation
import LinearAlgebraCore
import TransformerRuntime

/// The peak memory a ``Compressor`` run will need, predicted from the shapes before any work, by part:
///
///     peak = resident + streams + max(profiling, factorization, writing)
///
/// - resident: what the process holds when the estimate is made (runtime, tokenizer, calibration tokens, and the
///   model itself: mapped, only its touched pages; widened to f32, all of it).
/// - streams: the calibration hidden states, B = nsamples · seqlen · hidden · 4 bytes each: the dense stream and the
///   block's outputs (2B), and for the update methods the compressed stream and its outputs (2B more); with the
///   streams spilled to disk (``HiddenStates/Location/disk(_:)``), two windows per lane.
/// - profiling: one block widened to f32 (mapped runs), and per lane (L = min(threads, nsamples)) one set of the
///   block's Grams, Σ_g n_g² · 8 bytes over the input groups, plus one window's activations.
/// - factorization: the merged Grams (which whitening turns into the factors S in place; kept beside them when
///   the loss is measured), and per task the largest linear decoded to f32 and six Double m × n matrices of it
///   (W, W·S, the SVD's work and factors).
/// - writing: the largest factor widened to f32 (bounded by the largest linear); the embedding and lm_head are
///   copied from the source's pages as stored, and every tensor is encoded in small chunks.
/// - factors: a model held in f32 keeps every finished layer's factors, (1 − ratio) of its linears' bytes by
///   the end; a mapped one reads them back from the checkpoint (0).
///
/// ``parts`` keeps each term so `compress` can say what dominates and which option lowers it.
public struct MemoryEstimate: Sendable, Codable, Equatable {
    public var resident: Int
    public var streams: Int
    public var profiling: Int
    public var factorization: Int
    public var writing: Int
    public var factors: Int

    public var peak: Int { resident + streams + factors + Swift.max(profiling, factorization, writing) }

    /// The estimate for `model` (as loaded: mapped or f32) compressed on `windows` × `seqlen` tokens.
    /// `resident`: the process's resident bytes now.
    /// `measuresLoss`: the Grams are kept beside the whitening factors (``Compressor/measureLoss``).
    public init(model: CausalLM, options: CompressionOptions, windows: Int, seqlen: Int, resident: Int,
                measuresLoss: Bool = false, activations: HiddenStates.Location = .memory) {
        let hidden = model.hiddenSize
        let lanes = Swift.max(1, Swift.min(options.parallelism.threads, windows))
        let stream = windows * seqlen * hidden * 4
        self.resident = resident
        if activations == .memory {
            streams = stream * (options.method.updatesU ? 4 : 2)
        } else {
            streams = 2 * lanes * seqlen * hidden * 4
        }

        var widest = 0, widenedBlock = 0, grams = 0, activations = 0, f32Linears = 0
        for block in model.blocks {
            var blockGrams = 0, blockBytes = 0
            var seen = Set<LinearName>()
            for name in block.linearNames where !seen.contains(name) {
                let group = MemoryEstimate.inputGroup(of: name).filter { block.linearNames.contains($0) }
                seen.formUnion(group)
                let n = block.linear(name).inFeatures
                blockGrams += n * n * 8
            }
            for name in block.linearNames {
                let l = block.linear(name)
                if l.factors.u.storage != .f32 { blockBytes += 4 * l.outFeatures * l.inFeatures } else {
                    f32Linears += 4 * l.outFeatures * l.inFeatures
                }
                widest = Swift.max(widest, l.outFeatures * l.inFeatures)
                activations = Swift.max(activations, l.outFeatures)
            }
            grams = Swift.max(grams, blockGrams)
            widenedBlock = Swift.max(widenedBlock, blockBytes)
        }
        // One window through a block: the input, norms, q/k/v, attention scores of every head, the MLP's widest
        // intermediates (three), and the output.
        let window = 4 * seqlen * (8 * hidden + 3 * activations) + 4 * model.config.headCount * seqlen * seqlen
        profiling = widenedBlock + lanes * (grams + window)
        let kept = measuresLoss && (options.method == .whiten || options.method == .whitenUpdate) ? grams : 0
        factorization = grams + kept + lanes * (6 * widest * 8 + (widenedBlock > 0 ? 4 * widest : 0))
        writing = 4 * widest
        factors = Int((1 - options.ratio) * Double(f32Linears))
    }

    /// The linears that read the same input as `name` ({q, k, v}, {gate, up}; the others alone).
    static func inputGroup(of name: LinearName) -> [LinearName] {
        switch name {
        case .q, .k, .v: return [.q, .k, .v]
        case .gate, .up: return [.gate, .up]
        default: return [name]
        }
    }

    /// The part that dominates the peak, for messages ("profiling (the per-lane Grams)", …).
    public var dominantPart: String {
        let phase = Swift.max(profiling, factorization, writing)
        if streams > phase { return "the calibration hidden states (--activations disk, or lower --nsamples or --seqlen)" }
        if phase == profiling { return "profiling: one set of Grams per worker (lower --threads)" }
        if phase == factorization { return "factorization: the Grams, whitening factors and SVD work of one layer (lower --threads)" }
        return "writing: the largest tensor"
    }

    /// Bytes the kernel can still give this process (`MemAvailable` of /proc/meminfo); nil where unknown.
    public static func availableBytes() -> Int? { procKibibytes("/proc/meminfo", key: "MemAvailable:").map { $0 * 1024 } }

    /// The resident set of this process now (`VmRSS`), or 0 where unknown.
    public static func residentBytes() -> Int { (procKibibytes("/proc/self/status", key: "VmRSS:") ?? 0) * 1024 }

    /// The peak resident set of this process: on Linux `VmHWM` of /proc/self/status, the high-water mark of this
    /// program's own address space (`ru_maxrss` would also count the image a parent process had when it forked and
    /// exec'd this one: a test runner holding gigabytes reports them as ours); elsewhere `ru_maxrss`.
    public static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let kib = procKibibytes("/proc/self/status", key: "VmHWM:") { return kib * 1024 }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
        #endif
    }

    /// The value in kB of the line `key  N kB` of a /proc file; nil where the file or the line is missing.
    static func procKibibytes(_ path: String, key: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib }
        }
        return nil
    }
}
