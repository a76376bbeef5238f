import Foundation
import Formats
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// Writes a fine-tuned model (its adapters merged, ranks unchanged) as a Hugging Face folder in the layout of its
/// source, which the runtime, `svdllm eval`, `generate`, `quantize` and `finetune` load back:
///
/// - `model.safetensors`: every tensor of the source under its own name; the linears' matrices (a dense
///   `…q_proj.weight`, or the factors `…q_u_proj.weight` / `…q_v_proj.weight` of a compressed folder) taken from
///   the model in F32, every other tensor (embedding, norms, biases, lm_head) as the source stores it.
/// - `config.json`: the source's (its `svd_llm` object kept) with a `"finetune"` object (`info`) added or
///   replaced; the tokenizer files copied (a GGUF source's written).
///
/// Atomic (``StagingFolder``). Not for a quantized (GPTQ) source: the trained matrices have no packed form here.
public enum FineTunedModelWriter {
    public static func write<Info: Encodable>(model: CausalLM, source: URL, to destination: URL, info: Info,
                                              force: Bool = false) throws {
        let dest = destination.standardizedFileURL
        try CompressedModelWriter.checkDestination(dest, force: force)
        let opt = model.config.architecture == .opt
        // The trained matrices by the tensor name they replace.
        var trained: [String: WeightMatrix] = [:]
        for (i, block) in model.blocks.enumerated() {
            for name in block.linearNames {
                let module = LowRankTensorNames.module(layer: i, name: name, opt: opt)
                let (u, v) = block.linear(name).factors
                if let v {
                    let f = LowRankTensorNames.factors(ofModule: module)
                    trained[f.u + ".weight"] = u
                    trained[f.v + ".weight"] = v
                } else {
                    trained[module + ".weight"] = u
                }
            }
        }
        try StagingFolder.assemble(at: dest, force: force) { tmp in
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            var used = Set<String>()
            let configText = try SourceModelExport.export(source: source, into: tmp, configDType: .f32,
                                                          parallelism: model.parallelism) { name, shape, read, stored in
                if let m = trained[name] {
                    guard m.rows * m.cols == shape.reduce(1, *) else {
                        throw CompressionError.unsupported(what: "\(name): the model's \(m.rows)×\(m.cols) does not fit the source's \(shape)")
                    }
                    try writer.addDeferred(name, dtype: .f32, shape: shape) { m.dequantized() }
                    used.insert(name)
                } else if let stored, stored.rows * stored.cols == shape.reduce(1, *) {
                    switch stored.encoding {
                    case let .elements(type):
                        try writer.addDeferredRaw(name, dtype: type, shape: shape, bytes: stored.bytes)
                    case let .blocks(type):
                        if let rowBytes = GGMLBlockTensors.rowBytes(cols: stored.cols, type: type) {
                            try writer.addDeferredRaw(GGMLBlockTensors.name(stem: String(name.dropLast(".weight".count)), type: type),
                                                      dtype: .u8, shape: [stored.rows, rowBytes], bytes: stored.bytes)
                        } else {
                            try writer.addDeferred(name, dtype: .f32, shape: shape, produce: read)
                        }
                    }
                } else {
                    try writer.addDeferred(name, dtype: .f32, shape: shape, produce: read)
                }
            }
            let missing = Set(trained.keys).subtracting(used)
            guard missing.isEmpty else {
                throw CompressionError.unsupported(what: "the source model has no tensors \(missing.sorted().prefix(3)) to replace")
            }
            try SourceModelExport.put(try replacing(key: "finetune", info, in: configText), "config.json", in: tmp)
            try writer.write(to: tmp.appendingPathComponent(SafeTensorsFolder.singleFileName))
        }
    }

    /// The config text with `"key": value` added, or replacing an existing `key` (then the whole object is
    /// re-written with sorted keys).
    static func replacing<Info: Encodable>(key: String, _ value: Info, in config: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any],
              object[key] != nil else {
            return try SourceModelExport.insert(key: key, value, into: config)
        }
        var o = object
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        o[key] = try JSONSerialization.jsonObject(with: e.encode(value))
        let data = try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
