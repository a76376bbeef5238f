import Foundation
import Testing
@testable import SVDLLM
import Formats
import Tokenizers

@Suite struct CalibrationSamplerTests {
    struct Fixture: Decodable { var seed: UInt64; var seqlen: Int; var nsamples: Int; var windows: [[Int]] }

    /// The official sampler (Python `random` + Hugging Face tokenizers) on PTB train with SmolLM2's tokenizer
    /// draws exactly these windows (Fixtures/make_calibration_fixture.py).
    @Test func windowsEqualTheOfficialSamplers() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/calibration_windows.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let text = try String(contentsOf: AssetCache.default.require(AssetCache.default.ptb("train")), encoding: .utf8)
        let tokenizer = try Tokenizer(gguf: AssetCache.default.require(AssetCache.default.smolLM2))
        let sampler = CalibrationSampler(sampleCount: fixture.nsamples, sequenceLength: fixture.seqlen, seed: fixture.seed)
        #expect(try sampler.windows(text: text, tokenizer: tokenizer) == fixture.windows)
    }

    @Test func rejectsBadArgumentsAndShortText() throws {
        let tokenizer = try Tokenizer(gguf: AssetCache.default.require(AssetCache.default.smolLM2))
        #expect(throws: CompressionError.invalidArgument(name: "sampleCount", reason: "must be ≥ 1, got 0")) {
            try CalibrationSampler(sampleCount: 0).windows(text: "abc", tokenizer: tokenizer)
        }
        #expect(throws: CompressionError.calibrationTooShort(characters: 3, needed: 513)) {
            try CalibrationSampler().windows(text: "abc", tokenizer: tokenizer)
        }
        // Long enough in characters, but no slice yields 64 tokens: a clear error, not an endless loop.
        let text = String(repeating: "a", count: 200)
        #expect(throws: CompressionError.self) {
            try CalibrationSampler(sampleCount: 2, sequenceLength: 64, seed: 1).windows(text: text, tokenizer: tokenizer)
        }
    }
}
