import Foundation
import Testing
import SVDLLMKit
@testable import svdllm

/// `svdllm synthesize`: the tiny model loads and runs, its tokenizer round-trips text, the bytes are a function of the
/// seed alone, the 7B plan has LLaMA 7B's configuration, and bad arguments are refused naming the flag.
@Suite struct SynthesizeTests {
    /// A fresh empty folder under the temporary directory.
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synthesize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The report of `svdllm synthesize ARGS`, run in-process.
    static func synthesize(_ args: [String]) throws -> SynthesizeCommand.Report {
        try SynthesizeCommand.parse(args).synthesize()
    }

    @Test func tinyModelLoadsAndGivesFiniteLogits() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tiny.gguf")
        let report = try Self.synthesize(["--shape", "tiny", "--out", url.path, "--threads", "2"])
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(!report.kept && report.bytes == size)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tiny.gguf"])

        let loaded = try LoadedModel(path: url.path, threads: 2)
        let c = loaded.model.config
        #expect(c.architecture == .llama && c.layerCount == 2 && c.hiddenSize == 256 && c.intermediateSize == 512)
        #expect(c.headCount == 4 && c.kvHeadCount == 4 && c.vocabSize == 512 && !c.tiedEmbeddings && !loaded.model.outputTied)
        // CausalLM.parameterCount leaves out the blocks' norm vectors (2 per layer).
        #expect(loaded.model.parameterCount == SyntheticShape.tiny.parameterCount - 2 * 2 * 256)
        let ids = loaded.tokenizer.encode("Hello, world!")
        var cache: KVCache? = nil
        let logits = try loaded.model.forward(tokens: ids, cache: &cache)
        #expect(logits.rows == ids.count && logits.cols == 512)
        #expect(logits.elements.allSatisfy { $0.isFinite })
        #expect(Set(logits.elements).count > 100, "the logits are not constant")
    }

    @Test func tokenizerRoundTripsText() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tiny.gguf")
        _ = try Self.synthesize(["--shape", "tiny", "--out", url.path])
        let tokenizer = try Tokenizer(gguf: url)
        let text = "Hello, world!"
        let ids = tokenizer.encode(text)
        #expect(ids == [SyntheticTokenizer.bosID] + text.utf8.map(Int.init), "BOS, then one token per byte")
        #expect(try tokenizer.decode(ids, skipSpecialTokens: true) == text)
        #expect(try tokenizer.decode(ids) == "<s>" + text)
        // Any text, ASCII or not, and the fillers never appear.
        for s in ["", " two  spaces\tand\nlines ", "naïve café – ünïcödé ✓ 日本語", "<unused3> is just text"] {
            let e = tokenizer.encode(s, addSpecialTokens: false)
            #expect(e.allSatisfy { $0 < 256 } && e.count == s.utf8.count)
            #expect(try tokenizer.decode(e) == s)
        }
    }

    /// The same seed gives the same bytes (whatever the threads and chunking); another seed other weights and the
    /// same layout.
    @Test func bytesAreAFunctionOfTheSeed() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func bytes(_ name: String, seed: UInt64, type: SyntheticWeightType = .q4_0, threads: Int = 2,
                   chunk: Int = 64) throws -> [UInt8] {
            let url = dir.appendingPathComponent(name)
            try SyntheticModel(shape: .tiny, type: type, seed: seed)
                .write(to: url, parallelism: .threads(threads), rowsPerChunk: chunk)
            return try [UInt8](Data(contentsOf: url))
        }
        let a = try bytes("a.gguf", seed: 1)
        #expect(try bytes("b.gguf", seed: 1) == a)
        #expect(try bytes("c.gguf", seed: 1, threads: 1, chunk: 7) == a)
        let other = try bytes("d.gguf", seed: 2)
        #expect(other.count == a.count && other != a)
        let layout = try SyntheticModel(shape: .tiny, type: .q4_0, seed: 1).layout(file: "x")
        let data = layout.dataOffset..<a.count
        let differing = zip(a[data], other[data]).filter { $0 != $1 }.count
        #expect(differing > data.count / 2, "the weights differ, not just the seed in the header")
        for type in SyntheticWeightType.allCases {
            let f = try bytes("\(type).gguf", seed: 5, type: type)
            #expect(f.count == (try SyntheticModel(shape: .tiny, type: type, seed: 5).layout(file: "x").fileSize))
        }
    }

    /// The values: mean 0, standard deviation 0.02, |x| < 2√3·σ; norms exactly 1.
    @Test func weightsHaveTheirStatistics() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("f32.gguf")
        _ = try Self.synthesize(["--shape", "tiny", "--type", "f32", "--out", url.path, "--seed", "9"])
        let file = try GGUFFile(url: url)
        #expect(file.tensors.filter { $0.dims.count == 2 }.allSatisfy { $0.type == .f32 })
        let w = try file.dequantize("blk.1.ffn_down.weight").elements
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        #expect(abs(mean) < 1e-3 && abs(std - 0.02) < 5e-4, "mean \(mean), std \(std)")
        #expect(w.allSatisfy { abs($0) < 0.02 * 2 * Float(3).squareRoot() })
        #expect(w.filter { abs($0) > 0.04 }.count > w.count / 100, "tails: |x| > 2σ is not rare")
        #expect(try file.dequantize("blk.0.attn_norm.weight").elements.allSatisfy { $0 == 1 })
        #expect(file.tensorInfo("output_norm.weight")?.type == .f32)
    }

    /// The llama-7b plan, opened from its header over a sparse file of the planned size: LLaMA 7B's configuration,
    /// tensor table and a 32000-token tokenizer.
    @Test func llama7bPlanIsLlama7b() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("7b-header.gguf")
        let model = SyntheticModel(shape: .llama7b, type: .q4_0, seed: 1)
        let layout = try model.layout(file: url.path)
        #expect(SyntheticShape.llama7b.parameterCount == 6_738_415_616)
        #expect(layout.tensors.count == 2 + 32 * 9 + 1)
        #expect(layout.tensors.reduce(0) { $0 + $1.elementCount } == 6_738_415_616)
        #expect(layout.fileSize > 3_700_000_000 && layout.fileSize < 3_900_000_000)
        try Data(layout.header).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(layout.fileSize))
        try handle.close()
        #expect(model.isWritten(at: url, layout: layout))

        let file = try GGUFFile(url: url)
        let c = try ModelConfig(gguf: file)
        #expect(c.architecture == .llama && c.layerCount == 32 && c.hiddenSize == 4096 && c.intermediateSize == 11008)
        #expect(c.headCount == 32 && c.kvHeadCount == 32 && c.headDim == 128 && c.vocabSize == 32000)
        #expect(c.contextLength == 4096 && c.ropeTheta == 10_000 && abs(c.normEps - 1e-5) < 1e-9 && !c.tiedEmbeddings)
        #expect(c.bosTokenId == 256 && c.eosTokenIds == [257] && c.addBos)
        #expect(file.tensorInfo("blk.31.ffn_down.weight")?.dims == [11008, 4096])
        #expect(file.tensorInfo("output.weight")?.dims == [4096, 32000])
        let tokenizer = try Tokenizer(gguf: url)
        #expect(tokenizer.vocabularySize == 32000)
        #expect(try tokenizer.decode(tokenizer.encode("Hello, world!"), skipSpecialTokens: true) == "Hello, world!")
    }

    /// An existing --out: kept when it is this model, refused when it is something else, replaced with --force.
    @Test func existingOutputIsKeptOrRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.gguf")
        let args = ["--shape", "tiny", "--type", "q8_0", "--out", url.path]
        #expect(try !Self.synthesize(args).kept)
        let before = try Data(contentsOf: url)
        #expect(try Self.synthesize(args).kept)
        let e = #expect(throws: CLIError.self) { try Self.synthesize(args.dropLast(2) + ["--seed", "2", "--out", url.path]) }
        #expect(e?.description.contains("--out") == true && e?.description.contains("--force") == true)
        #expect(try Data(contentsOf: url) == before)
        #expect(try !Self.synthesize(args + ["--seed", "2", "--force"]).kept)
        #expect(try Data(contentsOf: url) != before)
    }

    /// Unknown shapes and types are command-line errors naming the flag; an unusable --out is a run-time error
    /// naming --out, and nothing is written.
    @Test func badArgumentsNameTheFlag() throws {
        func refusal(_ args: [String]) -> String? {
            do { _ = try SynthesizeCommand.parse(args); return nil } catch { return SynthesizeCommand.message(for: error) }
        }
        #expect(refusal(["--shape", "llama-70b", "--out", "x.gguf"])?.contains("--shape") == true)
        #expect(refusal(["--shape", "tiny", "--type", "q4_K", "--out", "x.gguf"])?.contains("--type") == true)
        #expect(refusal(["--shape", "tiny"])?.contains("--out") == true)
        #expect(refusal(["--out", "x.gguf"])?.contains("--shape") == true)
        #expect(refusal(["--shape", "tiny", "--out", "x.gguf", "--threads", "0"])?.contains("--threads") == true)

        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for out in [dir.appendingPathComponent("missing/m.gguf").path, dir.path] {
            let e = #expect(throws: CLIError.self) { try Self.synthesize(["--shape", "tiny", "--out", out]) }
            #expect(e?.description.hasPrefix("invalid --out: ") == true, "\(String(describing: e))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
