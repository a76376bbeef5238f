import Foundation
import Formats
import LinearAlgebraCore
import Tokenizers
import TransformerRuntime

/// What both checkpoint writers (``CompressedModelWriter``, ``QuantizedModelWriter``) carry over from the source
/// model into the folder they assemble: its side files and config text, and every tensor under its Hugging Face
/// name, read as f32 only when the writer asks.
///
/// - From a Hugging Face folder: every file but `config.json` and the weights is copied; the config text is
///   `config.json`'s.
/// - From a GGUF file: `generation_config.json`, `tokenizer.json` and `tokenizer_config.json` are written from its
///   metadata (``HuggingFaceExport``, ``TokenizerJSONWriter``); the config text is the exported `config.json`
///   (declaring `configDType`), and the tensors are un-permuted and renamed as the converter does.
enum SourceModelExport {
    /// Writes `text` into `folder/name`, or throws ``CompressionError/io(path:reason:)`` naming the file.
    static func put(_ text: String, _ name: String, in folder: URL) throws {
        let file = folder.appendingPathComponent(name)
        do { try Data(text.utf8).write(to: file) } catch {
            throw CompressionError.io(path: file.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Copies or writes the side files into `folder`, calls `tensor(name, shape, read, stored)` for every tensor
    /// in the source's order, and returns the config text (without the writer's own blocks). `read` may be kept
    /// and called later (a writer of deferred tensors); it gives the source tensor's mapped pages back when done.
    /// `stored` is the tensor as the source stores it, when a reader can take it back in that form. A folder's
    /// ``GGMLBlockTensors`` tensor is reported under the name it stands for (`<stem>.weight`, rows × cols).
    static func export(source: URL, into folder: URL, configDType: SafeTensorsDType, parallelism: Parallelism,
                       tensor: (_ name: String, _ shape: [Int], _ read: @escaping () throws -> Matrix<Float>,
                                _ stored: StoredTensor?) throws -> Void) throws -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: source.path, isDirectory: &isDir), isDir.boolValue {
            guard let text = fm.contents(atPath: source.appendingPathComponent("config.json").path)
                .flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw CompressionError.io(path: source.appendingPathComponent("config.json").path, reason: "cannot read")
            }
            for entry in try fm.contentsOfDirectory(atPath: source.path).sorted()
            where entry != "config.json" && !entry.hasSuffix(".safetensors") && entry != SafeTensorsFolder.indexFileName {
                var entryIsDir: ObjCBool = false
                let from = source.appendingPathComponent(entry)
                guard fm.fileExists(atPath: from.path, isDirectory: &entryIsDir), !entryIsDir.boolValue else { continue }
                try fm.copyItem(at: from, to: folder.appendingPathComponent(entry))
            }
            let weights = try SafeTensorsFolder(directory: source)
            for name in weights.names {
                if let (matrixName, blocks) = try StoredTensor.ggmlBlocks(weights, name) {
                    try tensor(matrixName, [blocks.rows, blocks.cols], blocks.widened, blocks)
                    continue
                }
                try tensor(name, weights.shape(name) ?? [], {
                    defer { weights.releaseTensorPages(name) }
                    return try weights.tensor(name)
                }, StoredTensor.safeTensors(weights, name))
            }
            return text
        }
        let gguf = try GGUFFile(url: source)
        let config = try ModelConfig(gguf: gguf)
        let spec = try TokenizerDescription(gguf: gguf)
        let text = try HuggingFaceExport.configJSON(config, dtype: configDType)
        try put(HuggingFaceExport.generationConfigJSON(config), "generation_config.json", in: folder)
        try put(TokenizerJSONWriter.tokenizerJSON(spec), "tokenizer.json", in: folder)
        try put(TokenizerJSONWriter.tokenizerConfigJSON(spec, chatTemplate: gguf.string("tokenizer.chat_template"),
                                                        modelMaxLength: config.contextLength),
                "tokenizer_config.json", in: folder)
        for info in gguf.tensors {
            guard let hf = try HuggingFaceExport.tensorName(gguf: info.name, architecture: config.architecture) else { continue }
            try tensor(hf, info.dims.count == 1 ? [info.dims[0]] : info.shape, {
                defer { gguf.releaseTensorPages(info.name) }
                return try HuggingFaceExport.tensor(gguf, info.name, config: config, parallelism: parallelism)
            }, StoredTensor.gguf(gguf, info, config: config))
        }
        return text
    }

    /// The config text with `"key": {…}` (the value as sorted-key JSON) added as its last key, the way both
    /// writers add their `svd_llm` and `quantization` objects.
    static func insert<T: Encodable>(key: String, _ value: T, into config: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        guard let close = config.lastIndex(of: "}") else {
            throw CompressionError.invalidArgument(name: "config.json", reason: "not a JSON object")
        }
        var head = String(config[..<close])
        while let last = head.last, last.isWhitespace { head.removeLast() }
        let separator = head.hasSuffix("{") ? "" : ","
        return head + separator + "\n  \"\(key)\": " + json + "\n}\n"
    }
}
