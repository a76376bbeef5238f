import Foundation
import Formats
import GEMM
import LinearAlgebraCore
import Tokenizers
import TransformerRuntime

/// Writes a compressed model as a Hugging Face folder the runtime (`CausalLM(huggingFaceFolder:)`, `svdllm eval`,
/// `svdllm generate`) loads back:
///
/// - `model.safetensors`: every tensor of the source model under its Hugging Face name, except that each
///   compressed linear `…q_proj.weight` is replaced by its factors `…q_u_proj.weight` (W_u, out × r) and
///   `…q_v_proj.weight` (W_v, r × in), the official SVD-LLM module names (``LowRankTensorNames``); biases keep
///   their names. Element type F32, F16 or BF16 (`dtype`), except the token embedding and lm_head, which keep
///   the source's stored type: a folder's or GGUF's F32 / F16 / BF16 as that element type, a GGUF block type
///   (Q4_K, Q6_K, …) as its blocks (``GGMLBlockTensors``: `model.embed_tokens.ggml_q6_k`, U8).
/// - `config.json`: the source config plus an `"svd_llm"` object (method, ratio, calibration, every module's
///   rank, parameter counts); the tokenizer files (`tokenizer.json`, `tokenizer_config.json`, …) alongside.
///
/// Atomic: the folder is assembled in a sibling temporary folder and renamed into place; on any failure it is
/// removed and an existing destination is untouched.
public enum CompressedModelWriter {
    public static func write(model: CausalLM, source: URL, to destination: URL, dtype: SafeTensorsDType,
                             svdLLM: CompressedModelInfo, force: Bool = false) throws {
        let dest = destination.standardizedFileURL
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw CompressionError.invalidArgument(name: "dtype", reason: "\(dtype.rawValue) is not f32, f16 or bf16")
        }
        try checkDestination(dest, force: force)
        let opt = model.config.architecture == .opt
        // The compressed linears by their Hugging Face weight name (in memory, or mapped from a checkpoint).
        var factors: [String: (u: WeightMatrix, v: WeightMatrix)] = [:]
        for (i, block) in model.blocks.enumerated() {
            for name in block.linearNames {
                let (u, v) = block.linear(name).factors
                if let v { factors[LowRankTensorNames.module(layer: i, name: name, opt: opt) + ".weight"] = (u, v) }
            }
        }

        try StagingFolder.assemble(at: dest, force: force) { tmp in
            func put(_ text: String, _ name: String) throws { try SourceModelExport.put(text, name, in: tmp) }
            var writer = SafeTensorsWriter(metadata: ["format": "pt", "svd_llm": svdLLM.method])
            var used = Set<String>()
            /// Every tensor is made when the file reaches it (one in memory at a time): the source's read from
            /// the source, a factor widened from wherever it is held.
            func add(_ name: String, shape: [Int], read: @escaping () throws -> Matrix<Float>, stored: StoredTensor?) throws {
                if let f = factors[name] {
                    let module = String(name.dropLast(".weight".count))
                    let names = LowRankTensorNames.factors(ofModule: module)
                    try writer.addDeferred(names.u + ".weight", dtype: dtype, shape: [f.u.rows, f.u.cols]) {
                        defer { f.u.releasePages() }
                        return f.u.dequantized()
                    }
                    try writer.addDeferred(names.v + ".weight", dtype: dtype, shape: [f.v.rows, f.v.cols]) {
                        defer { f.v.releasePages() }
                        return f.v.dequantized()
                    }
                    used.insert(name)
                } else if let stored, stored.rows * stored.cols == shape.reduce(1, *), Self.keepsStoredType(name) {
                    try addStored(name, stored, shape: shape, read: read)
                } else {
                    try writer.addDeferred(name, dtype: dtype, shape: shape, produce: read)
                }
            }
            /// The embedding or lm_head as the source stores it: its element type, or its GGML blocks.
            func addStored(_ name: String, _ stored: StoredTensor, shape: [Int], read: @escaping () throws -> Matrix<Float>) throws {
                switch stored.encoding {
                case let .elements(type):
                    try writer.addDeferredRaw(name, dtype: type, shape: shape, bytes: stored.bytes)
                case let .blocks(type):
                    guard let rowBytes = GGMLBlockTensors.rowBytes(cols: stored.cols, type: type) else {
                        try writer.addDeferred(name, dtype: dtype, shape: shape, produce: read)
                        return
                    }
                    let stem = String(name.dropLast(".weight".count))
                    try writer.addDeferredRaw(GGMLBlockTensors.name(stem: stem, type: type), dtype: .u8,
                                              shape: [stored.rows, rowBytes], bytes: stored.bytes)
                }
            }

            // A Hugging Face folder's side files are copied, a GGUF's written; its weights are re-written.
            let configText = try SourceModelExport.export(source: source, into: tmp, configDType: dtype,
                                                          parallelism: model.parallelism) { name, shape, read, stored in
                try add(name, shape: shape, read: read, stored: stored)
            }
            let missing = Set(factors.keys).subtracting(used)
            guard missing.isEmpty else {
                throw CompressionError.unsupported(what: "the source model has no tensors \(missing.sorted().prefix(3)) to replace")
            }
            try put(try insertSVDLLM(svdLLM, into: configText), "config.json")
            try writer.write(to: tmp.appendingPathComponent(SafeTensorsFolder.singleFileName))
        }
    }

    /// Whether tensor `name` is copied in the source's stored type rather than `dtype`: the token embedding and
    /// the lm_head, which SVD-LLM does not touch (widening a quantized GGUF's embedding to f32 would make it the
    /// largest tensor of the folder).
    static func keepsStoredType(_ name: String) -> Bool {
        ["model.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"].contains(name)
    }

    /// Throws unless `dest` is absent, an empty folder, or (with `force`) a folder
    /// (``StagingFolder/checkDestination(_:force:)``, reported as an invalid `destination`).
    public static func checkDestination(_ dest: URL, force: Bool) throws(CompressionError) {
        do { try StagingFolder.checkDestination(dest, force: force) } catch {
            if case let .invalid(_, _, reason) = error { throw .invalidArgument(name: "destination", reason: "\(dest.path) \(reason)") }
            throw .io(path: dest.path, reason: "\(error)")
        }
    }

    /// The ``CompressedModelInfo/run`` recorded in `folder/config.json`; nil when the folder has none (not a
    /// compressed folder, or one written without it).
    public static func recordedRun(in folder: URL) -> String? {
        struct Config: Decodable { var svd_llm: CompressedModelInfo? }
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("config.json").path) else { return nil }
        return (try? JSONDecoder().decode(Config.self, from: data))?.svd_llm?.run
    }

    /// The config text with `"svd_llm": {…}` added as its last key.
    static func insertSVDLLM(_ info: CompressedModelInfo, into config: String) throws -> String {
        try SourceModelExport.insert(key: "svd_llm", info, into: config)
    }
}

/// The `"svd_llm"` object of a compressed model's config.json.
public struct CompressedModelInfo: Sendable, Codable, Equatable {
    public var method: String
    public var ratio: Double
    public var svd: String
    public var calibration: Calibration
    /// Hugging Face module path → rank.
    public var ranks: [String: Int]
    public var parameters: ParameterCounts
    /// "uniform", "sensitivity" (ASVD's search) or "loss" (``RankAllocation``; modules absent from ``ranks``
    /// stay dense).
    public var rankAllocation: String?
    /// The identity of the run that wrote the folder (a ``RunFingerprint``'s hex: model, calibration, method,
    /// ratio, SVD, stored type), when known: a resumed run recognizes by it the folder it had already put in place
    /// before it was stopped (``CompressedModelWriter/recordedRun(in:)``).
    public var run: String?

    public struct Calibration: Sendable, Codable, Equatable {
        public var text: String
        public var nsamples: Int
        public var seqlen: Int
        public var seed: UInt64
        /// Update methods: how many windows the update was fitted on.
        public var updateNsamples: Int?
        /// Update methods: "calibration" (the first `updateNsamples` of the `nsamples` windows) or "token-windows"
        /// (``TokenWindowSampler`` on the same text and seed).
        public var updateSampler: String?
        public init(text: String, nsamples: Int, seqlen: Int, seed: UInt64, updateNsamples: Int? = nil,
                    updateSampler: String? = nil) {
            self.text = text
            self.nsamples = nsamples
            self.seqlen = seqlen
            self.seed = seed
            self.updateNsamples = updateNsamples
            self.updateSampler = updateSampler
        }
    }

    public init(report: CompressionReport, model: CausalLM, calibrationText: String) {
        method = report.method
        ratio = report.ratio
        svd = report.svd
        calibration = Calibration(text: calibrationText, nsamples: report.nsamples, seqlen: report.seqlen, seed: report.seed,
                                  updateNsamples: report.updateSamples, updateSampler: report.updateSampler)
        parameters = report.parameters
        rankAllocation = report.rankAllocation
        var r: [String: Int] = [:]
        let opt = model.config.architecture == .opt
        for (i, block) in model.blocks.enumerated() {
            for name in block.linearNames {
                if let k = block.linear(name).rank { r[LowRankTensorNames.module(layer: i, name: name, opt: opt)] = k }
            }
        }
        ranks = r
    }
}
