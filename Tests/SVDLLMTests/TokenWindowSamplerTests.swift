import Foundation
import Testing
@testable import SVDLLM
import Formats
import Tokenizers

@Suite struct TokenWindowSamplerTests {
    struct Fixture: Decodable { var seed: UInt64; var seqlen: Int; var nsamples: Int; var tokens: Int; var windows: [[Int]] }

    /// The official `get_loaders` sampler (Python `random` + Hugging Face tokenizers on the whole text) on PTB train
    /// with SmolLM2's tokenizer draws exactly these windows (Fixtures/make_token_windows_fixture.py).
    @Test func windowsEqualTheOfficialLoaders() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/token_windows.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let text = try String(contentsOf: AssetCache.default.require(AssetCache.default.ptb("train")), encoding: .utf8)
        let tokenizer = try Tokenizer(gguf: AssetCache.default.require(AssetCache.default.smolLM2))
        #expect(tokenizer.encode(text, addSpecialTokens: true, parseSpecialTokens: false).count == fixture.tokens)
        let sampler = TokenWindowSampler(sampleCount: fixture.nsamples, sequenceLength: fixture.seqlen, seed: fixture.seed)
        #expect(try sampler.windows(text: text, tokenizer: tokenizer) == fixture.windows)
    }

    @Test func rejectsBadArgumentsAndShortText() throws {
        let tokenizer = try Tokenizer(gguf: AssetCache.default.require(AssetCache.default.smolLM2))
        #expect(throws: CompressionError.invalidArgument(name: "sampleCount", reason: "must be ≥ 1, got 0")) {
            try TokenWindowSampler(sampleCount: 0).windows(text: "abc", tokenizer: tokenizer)
        }
        #expect(throws: CompressionError.invalidArgument(name: "sequenceLength", reason: "must be ≥ 2, got 1")) {
            try TokenWindowSampler(sequenceLength: 1).windows(text: "abc", tokenizer: tokenizer)
        }
        let ids = tokenizer.encode("the cat sat on the mat", addSpecialTokens: true, parseSpecialTokens: false)
        #expect(throws: CompressionError.updateTextTooShort(tokens: ids.count, needed: 513)) {
            try TokenWindowSampler().windows(text: "the cat sat on the mat", tokenizer: tokenizer)
        }
    }

    /// Every window is `seqlen` consecutive ids of the tokenized text (the last offset can reach the end).
    @Test func windowsAreSlicesOfTheTokenizedText() throws {
        let tokenizer = try Tokenizer(gguf: AssetCache.default.require(AssetCache.default.smolLM2))
        let text = (0..<200).map { "sentence number \($0) of a short text" }.joined(separator: "\n\n")
        let ids = tokenizer.encode(text, addSpecialTokens: true, parseSpecialTokens: false)
        let windows = try TokenWindowSampler(sampleCount: 20, sequenceLength: 32, seed: 7).windows(text: text, tokenizer: tokenizer)
        #expect(windows.count == 20)
        for w in windows {
            #expect(w.count == 32)
            let found = (0...(ids.count - 32)).contains { Array(ids[$0..<($0 + 32)]) == w }
            #expect(found)
        }
    }
}
