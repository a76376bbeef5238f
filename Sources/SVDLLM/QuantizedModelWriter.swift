import Foundation
import Formats
import GEMM
import LinearAlgebraCore
import Tokenizers
import TransformerRuntime

/// The `"quantization"` object of a quantized model's config.json.
public struct QuantizedModelInfo: Sendable, Codable, Equatable {
    public var method: String
    public var bits: Int
    public var group_size: Int
    public var sym: Bool
    public var desc_act: Bool
    public var damp: Double
    /// "gptq_v2": zeros stored without AutoGPTQ's historical −1 offset.
    public var checkpoint_format = "gptq_v2"
    public var zero_offset = 0
    /// 8 (`…embed_tokens.q8_codes` I8 + `.q8_scales` F16, blocks of 32), 16 (F16) or 32 (F32).
    public var embedding_bits: Int
    public var calibration: Calibration?

    public struct Calibration: Sendable, Codable, Equatable {
        public var text: String
        public var nsamples: Int
        public var seqlen: Int
        public var seed: UInt64
        public init(text: String, nsamples: Int, seqlen: Int, seed: UInt64) {
            self.text = text
            self.nsamples = nsamples
            self.seqlen = seqlen
            self.seed = seed
        }
    }

    public init(options: SequentialQuantizationOptions, calibration: Calibration?) {
        method = options.method.rawValue
        bits = options.bits
        group_size = options.groupSize
        sym = options.symmetric
        desc_act = options.actOrder
        damp = options.damp
        embedding_bits = options.embeddingBits
        self.calibration = calibration
    }
}

/// Writes a quantized model (dense or low-rank linears in int4 ``GroupQuantizedMatrix`` or int2 / int3 / int8
/// ``PackedCodeMatrix``) as a Hugging Face folder:
///
/// - `model.safetensors`: every quantized matrix in the GPTQ layout (``GPTQPackedTensors``: `<module>.qweight`,
///   `.qzeros`, `.scales`, `.g_idx` with act-order), a low-rank linear as its two factor modules
///   (`…q_u_proj`, `…q_v_proj`); the token embedding as `model.embed_tokens.q8_codes` / `.q8_scales`
///   (``Q8EmbeddingTensors``), F16 or F32 `…embed_tokens.weight`; every other tensor (norms, biases, an untied
///   lm_head) F32 under its own name.
/// - `config.json`: the source config (its `svd_llm` object kept, or `svdLLM` added) and a `"quantization"` object.
///
/// Atomic (``StagingFolder``); nothing is written unless every linear is stored packed at `quantization.bits`.
public enum QuantizedModelWriter {
    enum Entry {
        case single(module: String, GPTQPackedTensors)
        case lowRank(u: String, GPTQPackedTensors, v: String, GPTQPackedTensors)
    }

    /// The GPTQ-layout tensors of a quantized matrix of `bits` bits, nil for any other storage.
    static func packed(_ m: WeightMatrix, bits: Int) -> GPTQPackedTensors? {
        switch m {
        case let .int4(q) where bits == 4: return GPTQPackedTensors(q)
        case let .packedCodes(q) where q.bits == bits: return GPTQPackedTensors(q)
        default: return nil
        }
    }

    public static func write(model: CausalLM, source: URL, to destination: URL, quantization: QuantizedModelInfo,
                             svdLLM: CompressedModelInfo? = nil, force: Bool = false) throws {
        let dest = destination.standardizedFileURL
        try CompressedModelWriter.checkDestination(dest, force: force)
        let opt = model.config.architecture == .opt
        // The quantized linears by the weight names they replace (a dense name, or a factor's name in a compressed
        // source folder).
        var entries: [String: Entry] = [:]
        for (i, block) in model.blocks.enumerated() {
            for name in block.linearNames {
                let module = LowRankTensorNames.module(layer: i, name: name, opt: opt)
                let (u, v) = block.linear(name).factors
                switch (packed(u, bits: quantization.bits), v.map { packed($0, bits: quantization.bits) }) {
                case let (w?, nil):
                    entries[module + ".weight"] = .single(module: module, w)
                case let (u?, v??):
                    let f = LowRankTensorNames.factors(ofModule: module)
                    entries[module + ".weight"] = .lowRank(u: f.u, u, v: f.v, v)
                    entries[f.u + ".weight"] = .single(module: f.u, u)
                    entries[f.v + ".weight"] = .single(module: f.v, v)
                default:
                    throw ModelQuantizationError.cannotSave(
                        reason: "\(module) is stored as \(u.storage.rawValue), not in \(quantization.bits)-bit GPTQ codes")
                }
            }
        }
        let embeddingName = opt ? "model.decoder.embed_tokens.weight" : "model.embed_tokens.weight"

        try StagingFolder.assemble(at: dest, force: force) { tmp in
            func put(_ text: String, _ name: String) throws { try SourceModelExport.put(text, name, in: tmp) }
            var writer = SafeTensorsWriter(metadata: ["format": "pt", "quantization": "\(quantization.method)\(quantization.bits)"])
            var done = Set<String>()
            /// Adds source tensor `name`; `tensor` is read only when needed.
            func add(_ name: String, shape: [Int], _ tensor: () throws -> Matrix<Float>) throws {
                if name == embeddingName {
                    let stem = String(name.dropLast(".weight".count))
                    switch model.embedding {
                    case let .q8(q): try Q8EmbeddingTensors.add(q, to: &writer, stem: stem)
                    case let .half(h) where h.format == .f16: try writer.add(name, model.embedding.dequantized(), dtype: .f16, shape: shape)
                    default: try writer.add(name, model.embedding.dequantized(), dtype: .f32, shape: shape)
                    }
                    return
                }
                switch entries[name] {
                case let .single(module, m)?:
                    guard !done.contains(module) else { return }
                    try m.add(to: &writer, module: module)
                    done.insert(module)
                case let .lowRank(u, um, v, vm)?:
                    try um.add(to: &writer, module: u)
                    try vm.add(to: &writer, module: v)
                    done.insert(u)
                    done.insert(v)
                case nil:
                    try writer.add(name, try tensor(), dtype: .f32, shape: shape)
                }
            }

            var configText = try SourceModelExport.export(source: source, into: tmp, configDType: .f32,
                                                          parallelism: model.parallelism) { name, shape, read, _ in
                try add(name, shape: shape, read)
            }
            let expected = Set(entries.values.flatMap { e -> [String] in
                switch e {
                case let .single(m, _): return [m]
                case let .lowRank(u, _, v, _): return [u, v]
                }
            })
            let missing = expected.subtracting(done)
            guard missing.isEmpty else {
                throw CompressionError.unsupported(what: "the source model has no tensors for \(missing.sorted().prefix(3))")
            }
            if let svdLLM { configText = try CompressedModelWriter.insertSVDLLM(svdLLM, into: configText) }
            try put(try insertQuantization(quantization, into: configText), "config.json")
            try writer.write(to: tmp.appendingPathComponent(SafeTensorsFolder.singleFileName))
        }
    }

    /// The config text with `"quantization": {…}` added as its last key.
    static func insertQuantization(_ info: QuantizedModelInfo, into config: String) throws -> String {
        try SourceModelExport.insert(key: "quantization", info, into: config)
    }

    /// Whether the folder's config.json has a `"quantization"` object.
    public static func isQuantizedFolder(_ url: URL) -> Bool {
        guard let data = try? Data(contentsOf: url.appendingPathComponent("config.json")),
              let json = try? JSONValue.parse(data) else { return false }
        return json["quantization"] != nil
    }
}
