import Foundation
import Testing
@testable import SVDLLM
import LinearAlgebraCore
import TransformerRuntime

/// ``CompressionOptions/overlapFactorization``: block i factored in the background while block i + 1 is profiled
/// gives the sequential schedule's factors and reports bit for bit, its errors, and its checkpoints.
@Suite struct CompressorOverlapTests {
    static func options(_ method: CompressionMethod, overlap: Bool, ratio: Double = 0.4) -> CompressionOptions {
        CompressionOptions(method: method, ratio: ratio, parallelism: .threads(2), overlapFactorization: overlap)
    }

    /// Every factor's bytes (u, v, bias) of every block, in block order.
    static func factorBytes(_ model: CausalLM) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for block in model.blocks {
            for name in block.linearNames {
                guard case let .lowRank(u, v, bias) = block.linear(name) else { out.append([]); continue }
                for values in [u.elements, v.elements, bias ?? []] {
                    out.append(values.withUnsafeBytes { Array($0) })
                }
            }
        }
        return out
    }

    static func layerFiles(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("layer-") }.sorted()
    }

    @Test(arguments: ["llama", "opt", "gemma3"], CompressionMethod.allCases)
    func overlapGivesTheSequentialFactorsAndReports(arch: String, method: CompressionMethod) throws {
        let dense = try CausalLM(huggingFaceFolder: CompressorTests.tiny(arch))
        let windows = CompressorTests.windows(vocab: dense.vocabularySize)
        var sequential = dense, overlapped = dense
        var compressor = Compressor(options: Self.options(method, overlap: false))
        compressor.keepSpectra = true
        let a = try compressor.run(&sequential, windows: windows)
        compressor.options.overlapFactorization = true
        let b = try compressor.run(&overlapped, windows: windows)
        #expect(Self.factorBytes(overlapped) == Self.factorBytes(sequential))
        #expect(!Self.factorBytes(sequential).isEmpty)
        #expect(a.matrices == b.matrices)
        #expect(a.matrices.map(\.layer) == a.matrices.map(\.layer).sorted())  // block order
        #expect(a.parameters == b.parameters)
        #expect(a.seconds.overlap == nil)
        #expect((b.seconds.overlap != nil) == method.needsDenseProfile)
        let s = b.seconds
        #expect(s.total <= s.calibration + s.profiling + s.factorization + s.update + s.writing)
    }

    /// A background factorization that fails surfaces as the sequential run's typed error, with the earlier
    /// layers checkpointed and no later layer (3 layers: the NaN in block 1 is found while block 2 is profiled).
    @Test(arguments: [CompressionMethod.whiten, .whitenUpdate, .asvd])
    func backgroundErrorsAreTheSequentialErrors(method: CompressionMethod) throws {
        var poisoned = try CausalLM(huggingFaceFolder: CompressorTests.tiny("gemma3"))
        let windows = CompressorTests.windows(vocab: poisoned.vocabularySize)
        var w = poisoned.blocks[1].linear(.down).denseWeight
        w.elements[5] = .nan
        try poisoned.setLinear(layer: 1, name: .down, to: .dense(weight: w, bias: nil))  // its input stays finite
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        for overlap in [false, true] {
            let dir = CompressorTests.temporaryDirectory("overlap-error")
            defer { try? FileManager.default.removeItem(at: dir) }
            let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
            var model = poisoned
            do {
                _ = try Compressor(options: Self.options(method, overlap: overlap), checkpoint: checkpoint)
                    .run(&model, windows: windows)
                Issue.record("NaN weight accepted (overlap \(overlap))")
            } catch let e as CompressionError {
                #expect(e == .nonFinite(layer: 1, name: "down_proj", what: "the weight"), "overlap \(overlap)")
            }
            #expect(Self.layerFiles(dir) == ["layer-000.json", "layer-000.safetensors"], "overlap \(overlap)")
        }
    }

    /// An error of the profiling of block 1 (its profile cannot be stored) while block 0 is factored in the
    /// background: block 0 is still applied and checkpointed before the error surfaces, as when sequential.
    @Test func profilingErrorsKeepThePendingLayer() throws {
        let source = CompressorTests.tiny("llama")
        let windows = CompressorTests.windows(vocab: 97)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        var errors: [CompressionError] = []
        for overlap in [false, true] {
            let root = CompressorTests.temporaryDirectory("overlap-cache")
            let dir = CompressorTests.temporaryDirectory("overlap-ckpt")
            defer {
                try? FileManager.default.removeItem(at: root)
                try? FileManager.default.removeItem(at: dir)
            }
            let cache = try ProfileCache(root: root, fingerprint: fingerprint)
            // A folder where block 1's first Gram file goes: storing block 1's profile fails.
            try FileManager.default.createDirectory(at: cache.directory.appendingPathComponent("layer-001-g0.gram.npy"),
                                                    withIntermediateDirectories: true)
            let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
            var model = try CausalLM(huggingFaceFolder: source)
            do {
                _ = try Compressor(options: Self.options(.whiten, overlap: overlap), profileCache: cache, checkpoint: checkpoint)
                    .run(&model, windows: windows)
                Issue.record("unwritable profile accepted (overlap \(overlap))")
            } catch let e as CompressionError {
                guard case .io = e else { Issue.record("\(e)"); continue }
                errors.append(e)
            }
            #expect(Self.layerFiles(dir) == ["layer-000.json", "layer-000.safetensors"], "overlap \(overlap)")
        }
        #expect(errors.count == 2)
    }

    /// Resume under overlap: an interrupted overlapped run, resumed with overlap, equals the sequential run.
    @Test(arguments: [CompressionMethod.whiten, .whitenUpdate])
    func resumeUnderOverlap(method: CompressionMethod) throws {
        let source = CompressorTests.tiny("gemma3")
        let dense = try CausalLM(huggingFaceFolder: source)
        let windows = CompressorTests.windows(vocab: dense.vocabularySize)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let dir = CompressorTests.temporaryDirectory("overlap-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        var full = dense
        let first = try Compressor(options: Self.options(method, overlap: true),
                                   checkpoint: LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t",
                                                               resume: false)).run(&full, windows: windows)
        for ext in ["json", "safetensors"] { try FileManager.default.removeItem(at: dir.appendingPathComponent("layer-002.\(ext)")) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("layer-001.json"))
        var resumed = dense
        let report = try Compressor(options: Self.options(method, overlap: true),
                                    checkpoint: LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t",
                                                                resume: true)).run(&resumed, windows: windows)
        #expect(report.resumedLayers == 1)
        var sequential = dense
        let reference = try Compressor(options: Self.options(method, overlap: false)).run(&sequential, windows: windows)
        #expect(Self.factorBytes(resumed) == Self.factorBytes(sequential))
        #expect(Self.factorBytes(full) == Self.factorBytes(sequential))
        #expect(report.matrices == reference.matrices && first.matrices == reference.matrices)
    }
}
