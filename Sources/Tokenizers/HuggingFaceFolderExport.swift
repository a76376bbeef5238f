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
    /// Atomic: everything is written into a fresh sibling `DIR.tmp-XXXXXX` which is renamed to `directory`
    /// at the end; on any failure it is removed. An existing empty `directory` is replaced; a non-empty one
    /// only with `options.force` (moved aside, then deleted after the new folder is in place).
    public static func convert(gguf url: URL, to directory: URL, options: Options = Options()) throws {
        let fm = FileManager.default
        let dest = directory.standardizedFileURL
        guard [.f32, .f16, .bf16].contains(options.dtype) else {
            throw FormatError.unsupported(file: dest.path, field: "dtype", value: options.dtype.rawValue)
        }
        try checkDestination(dest, force: options.force)

        let gguf = try GGUFFile(url: url)
        let config = try ModelConfig(gguf: gguf)
        let spec = try TokenizerDescription(gguf: gguf)

        let parent = dest.deletingLastPathComponent()
        var template = Array("\(parent.path)/\(dest.lastPathComponent).tmp-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw FormatError.io(file: dest.path, reason: "cannot create a temporary folder in \(parent.path): "
                                 + String(cString: strerror(errno)))
        }
        let tmp = URL(fileURLWithPath: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        _ = chmod(tmp.path, 0o755)  // mkdtemp makes it private; the folder is an ordinary output
        var committed = false
        defer { if !committed { try? fm.removeItem(at: tmp) } }

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

        // Into place.
        try checkDestination(dest, force: options.force)
        var aside: URL?
        if fm.fileExists(atPath: dest.path) {
            if try fm.contentsOfDirectory(atPath: dest.path).isEmpty {
                try fm.removeItem(at: dest)
            } else {
                let old = parent.appendingPathComponent("\(dest.lastPathComponent).old-\(UUID().uuidString)")
                guard rename(dest.path, old.path) == 0 else {
                    throw FormatError.io(file: dest.path, reason: "cannot move aside: \(String(cString: strerror(errno)))")
                }
                aside = old
            }
        }
        guard rename(tmp.path, dest.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = rename(aside.path, dest.path) }
            throw FormatError.io(file: dest.path, reason: "cannot rename the finished folder into place: \(reason)")
        }
        committed = true
        if let aside { try? fm.removeItem(at: aside) }
    }

    /// Throws unless `dest` is absent, an empty folder, or (with `force`) a folder.
    static func checkDestination(_ dest: URL, force: Bool) throws(FormatError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dest.path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw FormatError.invalid(file: dest.path, field: "--out", reason: "exists and is not a folder")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dest.path)) ?? []
        if !entries.isEmpty && !force {
            throw FormatError.invalid(file: dest.path, field: "--out",
                                      reason: "folder exists and is not empty (use --force to replace it)")
        }
    }
}
