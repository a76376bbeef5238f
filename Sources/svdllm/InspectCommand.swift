import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm inspect MODEL`: what a GGUF file or Hugging Face folder holds — configuration, tensors, tokenizer.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's architecture, configuration, tensors and tokenizer.",
        discussion: """
            MODEL is a .gguf file or a Hugging Face folder (config.json + *.safetensors [+ tokenizer.json]).
            Shapes are PyTorch's (out, in); types are ggml's (GGUF) or safetensors dtypes.
            """)

    @Argument(help: "A .gguf file or a Hugging Face model folder.")
    var model: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Tensor: Encodable {
        var name: String
        var type: String
        var shape: [Int]
        var elements: Int
        var bytes: Int
        /// What the tensor stores: the dtype, or its role in a quantized checkpoint (int4 GPTQ codes, q8 codes, …).
        var storage: String
    }

    /// The values a folder's tensor holds: its element count, or for GGML blocks (``GGMLBlockTensors``) the
    /// rows × cols they decode to.
    static func elements(_ info: SafeTensorsTensorInfo) -> Int {
        GGMLBlockTensors.matrix(of: info).map { $0.rows * $0.cols } ?? info.elementCount
    }

    /// The storage a tensor name and type stand for in a quantized checkpoint (GPTQ layout of `bits` bits, q8
    /// embedding, GGML blocks).
    static func storage(name: String, type: String, bits: Int = 4) -> String {
        let packing = bits == 3 ? "32 per 3 I32" : "\(32 / bits) per I32"
        if name.hasSuffix(".qweight") { return "int\(bits) codes (GPTQ qweight, \(packing) along the input)" }
        if name.hasSuffix(".qzeros") { return "int\(bits) zeros (GPTQ qzeros, \(packing) along the output)" }
        if name.hasSuffix(".scales") { return "\(type.lowercased()) group scales" }
        if name.hasSuffix(".g_idx") { return "group index (act-order)" }
        if name.hasSuffix(".q8_codes") { return "q8 codes (blocks of 32)" }
        if name.hasSuffix(".q8_scales") { return "q8 block scales" }
        if let (_, blocks) = GGMLBlockTensors.parse(name) { return "\(blocks) blocks (as the GGUF stored them)" }
        return type.lowercased()
    }

    struct TokenizerSummary: Encodable {
        var model: String
        var vocabSize: Int
        var merges: Int?
        var addedTokens: Int
        var bos: String?
        var bosId: Int?
        var eos: String?
        var eosId: Int?
        var addBos: Bool
        var addEos: Bool
        var preTokenizer: String
        var spacePrefix: String
        var byteFallback: Bool
    }

    struct Report: Encodable {
        var path: String
        var format: String
        var architecture: String
        var config: ModelConfig
        var parameterCount: Int
        var bytes: Int
        var tensors: [Tensor]
        var tokenizer: TokenizerSummary?
        var tokenizerError: String?
    }

    func run() throws {
        let report = try Self.report(for: URL(fileURLWithPath: model))
        if json {
            print(jsonLine(report))
        } else {
            print(Self.text(report), terminator: "")
        }
    }

    static func report(for url: URL) throws -> Report {
        let source = try ModelSource(url)
        let tensors: [Tensor]
        let config: ModelConfig
        var tokenizer: TokenizerSummary?
        var tokenizerError: String?
        switch source {
        case let .gguf(file):
            config = try ModelConfig(gguf: file)
            tensors = file.tensors.map {
                Tensor(name: $0.name, type: "\($0.type)", shape: $0.shape, elements: $0.elementCount, bytes: $0.byteCount,
                       storage: "\($0.type)")
            }
        case let .huggingFace(dir):
            config = try ModelConfig(huggingFaceConfig: dir)
            let folder = try SafeTensorsFolder(directory: dir)
            let bits = try GPTQPackedTensors.bits(inFolder: dir)
            tensors = folder.names.compactMap { folder.info($0) }.map {
                Tensor(name: $0.name, type: $0.dtype.rawValue, shape: $0.shape, elements: elements($0),
                       bytes: $0.dataRange.count, storage: storage(name: $0.name, type: $0.dtype.rawValue, bits: bits))
            }
        }
        do {
            tokenizer = try source.tokenizerDescription().map(summary)
        } catch {
            tokenizerError = "\(error)"
        }
        return Report(path: url.path, format: source.formatName, architecture: config.architecture.rawValue,
                      config: config, parameterCount: tensors.reduce(0) { $0 + $1.elements },
                      bytes: tensors.reduce(0) { $0 + $1.bytes }, tensors: tensors, tokenizer: tokenizer,
                      tokenizerError: tokenizerError)
    }

    static func summary(_ d: TokenizerDescription) -> TokenizerSummary {
        func name(_ id: Int?) -> String? { id.flatMap { d.tokens.indices.contains($0) ? d.tokens[$0] : nil } }
        return TokenizerSummary(
            model: d.model == .byteLevelBPE ? "byte-level BPE" : "SentencePiece BPE", vocabSize: d.tokens.count,
            merges: d.merges?.count, addedTokens: d.addedTokens.count, bos: name(d.bosID), bosId: d.bosID,
            eos: name(d.eosID), eosId: d.eosID, addBos: d.addBOS, addEos: d.addEOS,
            preTokenizer: preTokenizerName(d.preTokenizer), spacePrefix: d.spacePrefix.rawValue,
            byteFallback: d.byteFallback)
    }

    static func preTokenizerName(_ p: PreTokenizer) -> String {
        switch p {
        case .none: return "none"
        case .gpt2: return "gpt2"
        case .smollm: return "smollm (digits, then gpt2)"
        case .llama3: return "llama3"
        case .qwen2: return "qwen2"
        case .metaspace: return "metaspace"
        case let .regex(r): return "regex \(r)"
        case let .digits(.before, base): return "digits, then \(preTokenizerName(base))"
        case let .digits(.after, base): return "\(preTokenizerName(base)), then digits"
        case let .digits(.afterByteLevel, base): return "\(preTokenizerName(base)), then byte-level digits"
        }
    }

    static func text(_ r: Report) -> String {
        var out = "\(r.path)\n  format: \(r.format)\n  architecture: \(r.architecture)\n"
        let c = r.config
        let fields: [(String, String)] = [
            ("vocab_size", "\(c.vocabSize)"), ("hidden_size", "\(c.hiddenSize)"),
            ("intermediate_size", "\(c.intermediateSize)"), ("layers", "\(c.layerCount)"),
            ("heads", "\(c.headCount)"), ("kv_heads", "\(c.kvHeadCount)"), ("head_dim", "\(c.headDim)"),
            ("norm", "\(c.normKind.rawValue), eps \(c.normEps)"),
            ("rope_theta", c.ropeTheta.map { "\($0)" } ?? "-"),
            ("rope_local_theta", c.ropeLocalTheta.map { "\($0)" } ?? "-"),
            ("sliding_window", c.slidingWindow.map { "\($0)" + (c.slidingWindowPattern.map { ", every \($0)th layer global" } ?? "") } ?? "-"),
            ("rope_scaling", c.ropeScaling.map { "\($0.type) ×\($0.factor)" } ?? "-"),
            ("context_length", "\(c.contextLength)"), ("tied_embeddings", "\(c.tiedEmbeddings)"),
            ("bos / eos / pad", "\(c.bosTokenId.map(String.init) ?? "-") / \(c.eosTokenIds.map(String.init).joined(separator: ",")) / \(c.padTokenId.map(String.init) ?? "-")"),
            ("activation", c.hiddenActivation), ("attention_bias", "\(c.attentionBias)"),
            ("query_pre_attn_scalar", c.queryPreAttnScalar.map { "\($0)" } ?? "-"),
            ("softcaps (attn / final)", "\(c.attentionLogitSoftcap.map { "\($0)" } ?? "-") / \(c.finalLogitSoftcap.map { "\($0)" } ?? "-")"),
        ]
        out += "config:\n"
        for (k, v) in fields { out += "  \(k): \(v)\n" }
        out += "tensors: \(r.tensors.count), \(r.parameterCount) parameters (\(String(format: "%.1f", Double(r.parameterCount) / 1e6)) M), \(r.bytes) bytes (\(String(format: "%.1f", Double(r.bytes) / 1_048_576)) MiB)\n"
        let width = r.tensors.map(\.name.count).max() ?? 0
        for t in r.tensors {
            let pad = String(repeating: " ", count: width - t.name.count)
            out += "  \(t.name)\(pad)  \(t.type.padding(toLength: 6, withPad: " ", startingAt: 0))  [\(t.shape.map(String.init).joined(separator: ", "))]\(t.storage.lowercased() == t.type.lowercased() ? "" : "  \(t.storage)")\n"
        }
        if let t = r.tokenizer {
            out += "tokenizer:\n  model: \(t.model)\n  vocab_size: \(t.vocabSize)\n"
            out += "  merges: \(t.merges.map(String.init) ?? "derived from scores")\n  added tokens: \(t.addedTokens)\n"
            out += "  bos: \(t.bos.map { "\($0) (\(t.bosId!))" } ?? "-")\n  eos: \(t.eos.map { "\($0) (\(t.eosId!))" } ?? "-")\n"
            out += "  add_bos: \(t.addBos)  add_eos: \(t.addEos)\n  pre-tokenizer: \(t.preTokenizer)\n"
            out += "  space prefix: \(t.spacePrefix)  byte fallback: \(t.byteFallback)\n"
        } else if let e = r.tokenizerError {
            out += "tokenizer: unreadable: \(e)\n"
        } else {
            out += "tokenizer: none\n"
        }
        return out
    }
}
