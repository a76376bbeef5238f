import Foundation

/// Where `Scripts/fetch-assets` caches the real models and texts (outside the repository).
///
/// The folder is `$SVDLLM_CACHE` when set, else `~/.cache/swift-svd-llm`. Layout:
/// ```
/// models/SmolLM2-135M-Instruct.Q4_1.gguf   models/gemma-3-270m-q4_k_m.gguf
/// text/ptb.train.txt  text/ptb.valid.txt  text/ptb.test.txt   (the paper's form)
/// text/shakespeare/*.txt
/// text/sharegpt.jsonl                      (opt-in: `Scripts/fetch-assets --only sharegpt`)
/// ```
public struct AssetCache: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The cache the environment points at.
    public static var `default`: AssetCache {
        if let dir = ProcessInfo.processInfo.environment["SVDLLM_CACHE"], !dir.isEmpty {
            return AssetCache(root: URL(fileURLWithPath: dir))
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        return AssetCache(root: home.appendingPathComponent(".cache/swift-svd-llm"))
    }

    public var smolLM2: URL { root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf") }
    public var gemma3: URL { root.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf") }
    public func ptb(_ split: String) -> URL { root.appendingPathComponent("text/ptb.\(split).txt") }
    public var shakespeareDirectory: URL { root.appendingPathComponent("text/shakespeare") }
    /// The ShareGPT conversations, one JSON object per line.
    public var shareGPT: URL { root.appendingPathComponent("text/sharegpt.jsonl") }

    /// `url` if the file exists, else an error telling the user to run the fetch script.
    public func require(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FormatError.io(file: url.path, reason: "missing asset; run Scripts/fetch-assets first")
        }
        return url
    }
}
