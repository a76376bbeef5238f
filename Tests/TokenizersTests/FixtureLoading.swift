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
    let ids_split_special: [Int]
}

struct GoldenFile: Decodable {
    struct Whole: Decodable {
        let file: String
        let count: Int
        let checksum: UInt64
    }
    let model: String
    let cases: [GoldenCase]
    let whole_ptb_test: Whole
}

/// h = h · 1000003 + id (mod 2^61 − 1), from h = 0: the fixture script's checksum of an id sequence.
func idChecksum(_ ids: [Int]) -> UInt64 {
    let p: UInt64 = (1 << 61) - 1
    var h: UInt64 = 0
    for id in ids {
        let r = p.dividingFullWidth(h.multipliedFullWidth(by: 1_000_003)).remainder
        h = (r + UInt64(id)) % p
    }
    return h
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
