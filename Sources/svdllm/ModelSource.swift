import Foundation
import SVDLLMKit

/// A model given on the command line: a GGUF file or a Hugging Face folder.
enum ModelSource {
    case gguf(GGUFFile)
    case huggingFace(URL)

    init(_ url: URL) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw CLIError("\(url.path): no such file or folder")
        }
        if isDir.boolValue {
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                throw CLIError("\(url.path): a model folder needs a config.json")
            }
            self = .huggingFace(url)
        } else {
            self = .gguf(try GGUFFile(url: url))
        }
    }

    var formatName: String {
        switch self {
        case let .gguf(f): return "GGUF v\(f.version)"
        case .huggingFace: return "Hugging Face folder (safetensors)"
        }
    }

    /// The tokenizer's description; nil for a folder without tokenizer.json.
    func tokenizerDescription() throws -> TokenizerDescription? {
        switch self {
        case let .gguf(f):
            return try TokenizerDescription(gguf: f)
        case let .huggingFace(dir):
            let url = dir.appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            var d = try TokenizerJSON.description(contentsOf: url)
            // EOS is only in tokenizer.json when the post-processor appends it; else tokenizer_config.json names it.
            let cfg = dir.appendingPathComponent("tokenizer_config.json")
            if d.eosID == nil, let data = try? Data(contentsOf: cfg), let v = try? JSONValue.parse(data),
               let eos = v["eos_token"]?.string {
                d.eosID = d.tokens.lastIndex { $0.utf8.elementsEqual(eos.utf8) }
            }
            return d
        }
    }

    /// The tokenizer, or an error naming the model when it has none.
    func tokenizer() throws -> Tokenizer {
        guard let d = try tokenizerDescription() else {
            throw CLIError("model has no tokenizer (no tokenizer.json in the folder)")
        }
        return try Tokenizer(d)
    }
}
