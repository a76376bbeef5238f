import Foundation
import Formats
import LinearAlgebraCore

extension HuggingFaceExport {
    /// Choices of ``convert(gguf:to:options:)``.
    public struct Options: Sendable {
        /// Element type of model.safetensors (F32, F16 or BF16).
        public var dtype: SafeTensorsDType = .f32
        /// Replace an existing non-empty destination folder.
        public var force = false
        public var parallelism: Parallelism = .serial
        public init(dtype: SafeTensorsDType = .f32, force: Bool = false, parallelism: Parallelism = .serial) {
            self.dtype = dtype
            self.force = force
            self.parallelism = parallelism
        }
    }

    /// The files a converted folder holds.
    public static let folderFiles = ["config.json", "generation_config.json", "model.safetensors",
                                     "tokenizer.json", "tokenizer_config.json"]

    /// Converts a GGUF model into a Hugging Face folder at `directory`: config.json, generation_config.json,
    /// model.safetensors, tokenizer.json and tokenizer_config.json (with the file's chat template, if any).
    ///
    /// Atomic (``StagingFolder``): on any failure nothing is left and an existing `directory` is untouched; a
    /// non-empty `directory` is replaced only with `options.force`.
    public static func convert(gguf url: URL, to directory: URL, options: Options = Options()) throws {
        let dest = directory.standardizedFileURL
        guard [.f32, .f16, .bf16].contains(options.dtype) else {
            throw FormatError.unsupported(file: dest.path, field: "dtype", value: options.dtype.rawValue)
        }
        try StagingFolder.checkDestination(dest, force: options.force)  // before any work

        let gguf = try GGUFFile(url: url)
        let config = try ModelConfig(gguf: gguf)
        let spec = try TokenizerDescription(gguf: gguf)

        try StagingFolder.assemble(at: dest, force: options.force) { tmp in
            func put(_ text: String, _ name: String) throws {
                let file = tmp.appendingPathComponent(name)
                do { try Data(text.utf8).write(to: file) } catch {
                    throw FormatError.io(file: file.path, reason: "cannot write: \(error.localizedDescription)")
                }
            }
            try put(configJSON(config, dtype: options.dtype), "config.json")
            try put(generationConfigJSON(config), "generation_config.json")
            try put(TokenizerJSONWriter.tokenizerJSON(spec), "tokenizer.json")
            try put(TokenizerJSONWriter.tokenizerConfigJSON(spec, chatTemplate: gguf.string("tokenizer.chat_template"),
                                                            modelMaxLength: config.contextLength),
                    "tokenizer_config.json")
            try writeWeights(gguf, config: config, dtype: options.dtype,
                             to: tmp.appendingPathComponent(SafeTensorsFolder.singleFileName),
                             parallelism: options.parallelism)
        }
    }
}
