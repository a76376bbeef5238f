import Foundation
import Testing
@testable import SVDLLM
import TransformerRuntime

/// Checkpoint folders the Checkpoint fuzz target (Tests/Fuzz/Checkpoint.swift) broke the contract on, kept as
/// fixtures (Fixtures/checkpoint, written by make_checkpoint_fixtures.py): each is refused with a typed error.
struct LayerCheckpointRegressionTests {
    static let fingerprint: RunFingerprint = {
        var f = RunFingerprint()
        f.add("fuzz")
        return f
    }()

    /// Layer 0 of the tiny LLaMA (q_proj 32 × 32 with a bias).
    static func block() throws -> any DecoderBlock {
        let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TransformerRuntimeTests/Fixtures/tiny/llama")
        return try CausalLM(huggingFaceFolder: tiny).blocks[0]
    }

    /// A scratch copy of fixture folder `name` (the checkpoint may write its run.json).
    static func copy(_ name: String) throws -> URL {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/checkpoint/\(name)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixture, to: dir)
        return dir
    }

    static func expectMismatch(_ body: () throws -> Void) {
        do {
            try body()
            Issue.record("accepted")
        } catch let e as CompressionError {
            guard case .mismatch = e else { Issue.record("\(e)"); return }
        } catch {
            Issue.record("untyped: \(error)")
        }
    }

    /// bias-length: q_proj's bias has 16 values for its 32 outputs; rank-zero: q_proj.u 32 × 0, q_proj.v 0 × 32.
    @Test(arguments: ["bias-length", "rank-zero"])
    func layerThatDoesNotFitIsRefused(fixture: String) throws {
        let dir = try Self.copy(fixture)
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: Self.fingerprint, description: "fuzz", resume: true)
        let block = try Self.block()
        for mapped in [false, true] { Self.expectMismatch { _ = try checkpoint.load(layer: 0, block: block, mapped: mapped) } }
    }

    /// Finished layers without a run.json belong to an unknown run: neither resumed nor overwritten.
    @Test func finishedLayersWithoutRunJSONAreRefused() throws {
        let dir = try Self.copy("no-run-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        for resume in [true, false] {
            Self.expectMismatch {
                _ = try LayerCheckpoint(directory: dir, fingerprint: Self.fingerprint, description: "fuzz", resume: resume)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run.json").path))
        // A removal cut short leaves tensors without their JSON (no finished layer): the folder is taken.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("layer-000.json"))
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: Self.fingerprint, description: "fuzz", resume: false)
        #expect(checkpoint.finishedLayers().isEmpty)
    }

    /// A layer JSON named otherwise than the checkpoint writes it (`layer-+00.json`, `layer-0.json`, which parse as
    /// layer 0 too) is not a finished layer: `load` reads `layer-000.json` and would find nothing. (Fuzz input:
    /// Tests/Fuzz/corpus/Checkpoint/regression-layer-plus-sign.)
    @Test(arguments: ["layer-+00.json", "layer-0.json", "layer-0000.json"])
    func onlyTheWritersLayerNamesAreFinished(name: String) throws {
        let dir = try Self.copy("bias-length")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: Self.fingerprint, description: "fuzz", resume: true)
        #expect(checkpoint.finishedLayers() == [0])
        try FileManager.default.moveItem(at: dir.appendingPathComponent("layer-000.json"), to: dir.appendingPathComponent(name))
        #expect(checkpoint.finishedLayers().isEmpty)
        #expect(try checkpoint.load(layer: 0, block: Self.block()) == nil)
        #expect(LayerCheckpoint.fileName(layer: 7, "json") == "layer-007.json")
        #expect(LayerCheckpoint.fileName(layer: 1234, "safetensors") == "layer-1234.safetensors")
    }
}
