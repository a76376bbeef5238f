import Foundation
import Testing
import SVDLLMKit
@testable import svdllm

/// `svdllm finetune` end to end on the synthetic tiny model: dense (joint, alpaca data) and compressed by
/// `svdllm compress` (sequential U→V, text data); the written folders load and differ from their sources only in
/// the trained linears; bad input is refused before any work.
@Suite struct FineTuneCommandTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static let text = String(repeating: "The quick brown fox jumps over the lazy dog while the cat sleeps. ", count: 40)

    /// The source's and the output's linears (dense weight, or U and V), the output's config.
    static func compare(_ source: URL, _ out: URL) throws -> (changed: Int, same: Int) {
        let a = try LoadedModel(path: source.path, threads: 1).model, b = try LoadedModel(path: out.path, threads: 1).model
        var changed = 0, same = 0
        for (x, y) in zip(a.blocks, b.blocks) {
            for name in x.linearNames {
                let (u1, v1) = x.linear(name).factors, (u2, v2) = y.linear(name).factors
                #expect(x.linear(name).rank == y.linear(name).rank)
                for (p, q) in [(u1, u2)] + (v1.map { [($0, v2!)] } ?? []) {
                    if p.dequantized() == q.dequantized() { same += 1 } else { changed += 1 }
                }
            }
        }
        #expect(a.embedding.dequantized() == b.embedding.dequantized())
        return (changed, same)
    }

    @Test func denseAndCompressedModelsAreFineTunedAndSaved() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gguf = dir.appendingPathComponent("tiny.gguf")
        _ = try SynthesizeCommand.parse(["--shape", "tiny", "--out", gguf.path]).synthesize()
        let alpaca = dir.appendingPathComponent("data.jsonl")
        try (0..<12).map { #"{"instruction": "Repeat the word \#($0).", "input": "", "output": "word \#($0) word \#($0)"}"# }
            .joined(separator: "\n").write(to: alpaca, atomically: true, encoding: .utf8)
        let common = ["--max-steps", "2", "--batch-size", "4", "--micro-batch-size", "2", "--warmup-steps", "0",
                      "--lr", "1e-2", "--threads", "2", "--json"]

        // Dense: joint over every matrix.
        let dense = dir.appendingPathComponent("dense-ft")
        try FineTuneCommand.parse([gguf.path, "--data", alpaca.path, "--format", "alpaca", "--out", dense.path,
                                   "--val-set-size", "2", "--cutoff-len", "256"] + common).run()
        let d = try Self.compare(gguf, dense)
        #expect(d.changed == 14 && d.same == 0)
        #expect(!FileManager.default.fileExists(atPath: dense.path + ".training"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dense.appendingPathComponent("config.json"))) as! [String: Any]
        #expect((config["finetune"] as? [String: Any])?["order"] as? String == "joint")
        // A second run onto the same folder is refused before any work.
        #expect(throws: (any Error).self) {
            try FineTuneCommand.parse([gguf.path, "--data", alpaca.path, "--format", "alpaca", "--out", dense.path] + common).run()
        }

        // Compressed: svd at ratio 0.5, then sequential U → V on text; a checkpoint every step, removed at the end.
        let calib = dir.appendingPathComponent("calib.txt")
        try Self.text.write(to: calib, atomically: true, encoding: .utf8)
        let compressed = dir.appendingPathComponent("tiny-svd")
        try CompressCommand.parse([gguf.path, "--ratio", "0.5", "--method", "svd", "--calib", calib.path, "--nsamples", "2",
                                   "--seqlen", "32", "--out", compressed.path, "--threads", "2"]).run()
        let tuned = dir.appendingPathComponent("tiny-svd-ft")
        try FineTuneCommand.parse([compressed.path, "--data", calib.path, "--out", tuned.path, "--cutoff-len", "32",
                                   "--save-steps", "1"] + common).run()
        let c = try Self.compare(compressed, tuned)
        #expect(c.changed == 28 && c.same == 0, "both factors of every linear trained (U in phase 1, V in phase 2)")
        #expect(!FileManager.default.fileExists(atPath: tuned.path + ".training"))
        // u,v on the dense model matches nothing; a cutoff beyond the context is refused.
        #expect(throws: TrainingError.self) {
            try FineTuneCommand.parse([gguf.path, "--data", calib.path, "--out", dir.appendingPathComponent("x").path,
                                       "--target", "u,v"] + common).run()
        }
        #expect(throws: TrainingError.cutoffTooLong(cutoff: 100_000, context: try LoadedModel(path: gguf.path, threads: 1).model.config.contextLength)) {
            try FineTuneCommand.parse([gguf.path, "--data", calib.path, "--out", dir.appendingPathComponent("y").path,
                                       "--cutoff-len", "100000"] + common).run()
        }
    }
}
