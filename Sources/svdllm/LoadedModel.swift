import Foundation
import SVDLLMKit

/// A model as the CLI uses it: weights (dequantized to Float), tokenizer, and the chat template if it has one.
/// MODEL is a `.gguf` file or a Hugging Face folder (config.json, safetensors, tokenizer.json).
struct LoadedModel {
    var model: CausalLM
    var tokenizer: Tokenizer
    var chatTemplate: String?
    var path: String

    /// `storage`: the weights' storage at load (nil: f32 for GGUF, as stored for a folder).
    init(path: String, threads: Int, storage: WeightStorage? = nil) throws {
        let parallelism = Parallelism.threads(threads)
        self.path = path
        let source = try ModelSource(URL(fileURLWithPath: path))
        switch source {
        case let .gguf(file):
            model = try CausalLM(gguf: file, parallelism: parallelism, storage: storage)
            chatTemplate = file.string("tokenizer.chat_template")
        case let .huggingFace(folder):
            model = try CausalLM(huggingFaceFolder: folder, parallelism: parallelism, storage: storage)
            chatTemplate = Self.folderChatTemplate(folder)
        }
        tokenizer = try source.tokenizer()
    }

    /// `chat_template` from tokenizer_config.json, if present.
    static func folderChatTemplate(_ folder: URL) -> String? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")),
              let json = try? JSONValue.parse(data) else { return nil }
        return json["chat_template"]?.string
    }

    /// The prompt wrapped as one user turn in the model's chat format. Two families are recognized from the
    /// template text: ChatML (`<|im_start|>`, SmolLM2, Qwen2) and Gemma (`<start_of_turn>`); the Jinja template
    /// itself is not evaluated.
    func chatPrompt(_ user: String) throws -> String {
        guard let template = chatTemplate else {
            throw CLIError("--chat: '\(path)' has no chat template")
        }
        if template.contains("<|im_start|>") {
            return "<|im_start|>user\n\(user)<|im_end|>\n<|im_start|>assistant\n"
        }
        if template.contains("<start_of_turn>") {
            return "<start_of_turn>user\n\(user)<end_of_turn>\n<start_of_turn>model\n"
        }
        throw CLIError("--chat: the chat template of '\(path)' is neither ChatML nor Gemma's; not supported")
    }
}

/// Peak resident set size of this process, in bytes (``MemoryEstimate/peakResidentBytes()``).
func peakResidentBytes() -> Int { MemoryEstimate.peakResidentBytes() }

/// Writes `text` to stderr (progress, counts), leaving stdout for results.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// One JSON object as a single line.
func jsonLine<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try! encoder.encode(value), as: UTF8.self)
}
