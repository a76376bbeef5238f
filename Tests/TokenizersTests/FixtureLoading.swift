import Foundation
import Formats
@testable import Tokenizers

/// One golden case: a text and the ids Hugging Face gives it.
struct GoldenCase: Decodable {
    let name: String
    let text: String
    let ids: [Int]
    let ids_with_special: [Int]
    let decoded_skip_special: String?
}

struct GoldenFile: Decodable {
    let model: String
    let cases: [GoldenCase]
}

struct SplitCase: Decodable {
    let name: String
    let text: String
    let words: [String]
}

enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    /// The real SmolLM2 and Gemma 3 tokenizers, built once per test process.
    static let smolLM2: Result<Tokenizer, any Error> = Result {
        try Tokenizer(TokenizerDescription(gguf: AssetCache.default.require(AssetCache.default.smolLM2)))
    }
    static let gemma3: Result<Tokenizer, any Error> = Result {
        try Tokenizer(TokenizerDescription(gguf: AssetCache.default.require(AssetCache.default.gemma3)))
    }
}
