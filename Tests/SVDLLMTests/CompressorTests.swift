import Foundation
import Testing
@testable import SVDLLM
import Formats
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// The whole pipeline on the tiny random-weight checkpoints of TransformerRuntimeTests (LLaMA with q/k/v biases,
/// OPT): every method, save and load back, resume, and the failure cases.
@Suite struct CompressorTests {
    static func tiny(_ arch: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TransformerRuntimeTests/Fixtures/tiny/\(arch)")
    }

    static func windows(vocab: Int, count: Int = 6, length: Int = 40, seed: UInt64 = 5) -> [[Int]] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<length).map { _ in Int(g.next() % UInt64(vocab)) } }
    }

    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-tests-\(name)-\(UUID().uuidString)")
        return url
    }

    /// `model` saved to a temporary folder (removed again) and loaded back; expects the same logits on the first 12
    /// `tokens`. Returns the loaded model and the folder's config.json.
    static func savedAndLoaded(_ model: CausalLM, report: CompressionReport, source: URL, tokens: [Int]) throws
        -> (CausalLM, JSONValue) {
        let out = Self.temporaryDirectory("save")
        defer { try? FileManager.default.removeItem(at: out) }
        let info = CompressedModelInfo(report: report, model: model, calibrationText: "random")
        try CompressedModelWriter.write(model: model, source: source, to: out, dtype: .f32, svdLLM: info)
        let loaded = try CausalLM(huggingFaceFolder: out)
        let prefix = Array(tokens.prefix(12))
        #expect(try Self.logits(loaded, prefix) == Self.logits(model, prefix))
        let config = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("config.json")))
        return (loaded, config)
    }

    static func logits(_ model: CausalLM, _ tokens: [Int]) throws -> [Float] {
        var cache: KVCache? = nil
        return try model.forward(tokens: tokens, cache: &cache).elements
    }

    @Test(arguments: ["llama", "opt"], CompressionMethod.allCases)
    func everyMethodCompressesSavesAndLoadsBack(arch: String, method: CompressionMethod) throws {
        let source = Self.tiny(arch)
        var model = try CausalLM(huggingFaceFolder: source)
        let dense = model
        let windows = Self.windows(vocab: model.vocabularySize)
        let report = try Compressor(options: CompressionOptions(method: method, ratio: 0.4)).run(&model, windows: windows)
        let before = dense.blocks.reduce(0) { $0 + $1.linearParameterCount }
        #expect(report.parameters.decoderLinearsBefore == before)
        var expected = 0
        for (i, block) in dense.blocks.enumerated() {
            for name in block.linearNames {
                let l = block.linear(name)
                let r = truncationRank(rows: l.outFeatures, cols: l.inFeatures, ratio: 0.4)
                expected += r * (l.outFeatures + l.inFeatures) + (l.bias?.count ?? 0)
                #expect(model.blocks[i].linear(name).rank == r)
            }
        }
        #expect(report.parameters.decoderLinearsAfter == expected)
        #expect(report.parameters.modelBefore - report.parameters.modelAfter == before - expected)
        #expect(report.matrices.count == dense.blocks.reduce(0) { $0 + $1.linearNames.count })

        let (loaded, config) = try Self.savedAndLoaded(model, report: report, source: source, tokens: windows[0])
        #expect(loaded.parameterCount == model.parameterCount)
        #expect(config["svd_llm"]?["method"]?.string == method.rawValue)
        #expect(config["svd_llm"]?["ranks"]?.members?.count == report.matrices.count)
    }

    /// Whitening minimizes each layer's output loss on the calibration inputs, so it beats plain SVD there.
    @Test func whiteningBeatsPlainSVDOnTheCalibrationInputs() throws {
        let source = Self.tiny("llama")
        let windows = Self.windows(vocab: 97, count: 8, length: 48, seed: 9)
        let dense = try CausalLM(huggingFaceFolder: source)
        var a = dense, b = dense
        let svd = try Compressor(options: CompressionOptions(method: .svd, ratio: 0.5)).run(&a, windows: windows)
        let whiten = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.5)).run(&b, windows: windows)
        #expect(svd.matrices.allSatisfy { $0.measuredLoss == nil })  // no profile for plain SVD
        // Layer 0 sees the same (dense) inputs under both methods: compare the output losses on its Grams.
        let (profile, _) = profileLayer(dense, layer: 0, inputs: try windows.map { try dense.embed($0) },
                                        keepOutputs: false, parallelism: .serial)
        for m in whiten.matrices where m.layer == 0 {
            let name = try #require(LinearName(rawValue: m.name))
            let stats = try #require(profile.statistics(for: name))
            let w = dense.blocks[0].linear(name).denseWeight.converted(to: Double.self)
            func loss(_ model: CausalLM) throws -> Double {
                guard case let .lowRank(u, v, _) = model.blocks[0].linear(name) else { throw CompressionError.unsupported(what: "dense") }
                return outputLoss(w, u.converted(to: Double.self), v.converted(to: Double.self), gram: stats.gram)
                    / Double(stats.tokens)
            }
            let lw = try loss(b), ls = try loss(a)
            #expect(lw <= ls * (1 + 1e-5), "\(m.name): whiten \(lw) vs svd \(ls)")
            let measured = try #require(m.measuredLoss)
            #expect(abs(measured - m.predictedLoss) <= 1e-6 * max(m.predictedLoss, 1e-12))
            #expect(abs(lw - measured) <= 1e-4 * max(measured, 1e-12))  // the Float-stored factors
        }
    }

    /// An interrupted run resumes from its last finished layer and writes the same factors, bit for bit.
    @Test func resumedRunEqualsUninterruptedRun() throws {
        let source = Self.tiny("llama")
        let windows = Self.windows(vocab: 97)
        let options = CompressionOptions(method: .whitenUpdate, ratio: 0.3)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let dir = Self.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }

        var full = try CausalLM(huggingFaceFolder: source)
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
        _ = try Compressor(options: options, checkpoint: checkpoint).run(&full, windows: windows)
        // "Interrupt" after layer 0: drop layer 1's files, then resume.
        for ext in ["json", "safetensors"] { try FileManager.default.removeItem(at: dir.appendingPathComponent("layer-001.\(ext)")) }
        #expect(throws: CompressionError.self) {
            try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
        }
        var other = fingerprint
        other.add("different")
        #expect(throws: CompressionError.self) {
            try LayerCheckpoint(directory: dir, fingerprint: other, description: "u", resume: true)
        }
        let reopened = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: true)
        var resumed = try CausalLM(huggingFaceFolder: source)
        let report = try Compressor(options: options, checkpoint: reopened).run(&resumed, windows: windows)
        #expect(report.resumedLayers == 1)
        for i in full.blocks.indices {
            for name in full.blocks[i].linearNames { #expect(resumed.blocks[i].linear(name) == full.blocks[i].linear(name)) }
        }
    }

    @Test func profileCacheReproducesTheProfile() throws {
        let source = Self.tiny("llama")
        let windows = Self.windows(vocab: 97)
        let root = Self.temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: root) }
        var fp = RunFingerprint()
        fp.add(windows: windows)
        var a = try CausalLM(huggingFaceFolder: source), b = a
        let first = try ProfileCache(root: root, fingerprint: fp)
        #expect(!first.isComplete)
        let r1 = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.4), profileCache: first).run(&a, windows: windows)
        let second = try ProfileCache(root: root, fingerprint: fp)
        #expect(second.isComplete)
        let r2 = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.4), profileCache: second).run(&b, windows: windows)
        #expect(!r1.profileFromCache && r2.profileFromCache)
        for i in a.blocks.indices {
            for name in a.blocks[i].linearNames { #expect(a.blocks[i].linear(name) == b.blocks[i].linear(name)) }
        }
    }

    @Test func badInputsFailClearly() throws {
        let source = Self.tiny("llama")
        let windows = Self.windows(vocab: 97)
        var model = try CausalLM(huggingFaceFolder: source)
        for ratio in [0.0, 1.0, -0.2, .nan] {
            #expect(throws: CompressionError.self) {
                try Compressor(options: CompressionOptions(method: .whiten, ratio: ratio)).run(&model, windows: windows)
            }
        }
        // Ratio so high that a 16×32 k_proj keeps no triplet.
        #expect(throws: CompressionError.self) {
            try Compressor(options: CompressionOptions(method: .svd, ratio: 0.99)).run(&model, windows: windows)
        }
        // NaN in a weight: named, before anything is written.
        var poisoned = model
        var w = poisoned.blocks[1].linear(.up).denseWeight
        w.elements[3] = .nan
        try poisoned.setLinear(layer: 1, name: .up, to: .dense(weight: w, bias: nil))
        do {
            _ = try Compressor(options: CompressionOptions(method: .svd, ratio: 0.3)).run(&poisoned, windows: windows)
            Issue.record("NaN weight accepted")
        } catch let e as CompressionError {
            #expect(e == .nonFinite(layer: 1, name: "up_proj", what: "the weight"))
        }
        // Too few calibration tokens: the singular Gram is regularized and the shifts reported.
        var few = try CausalLM(huggingFaceFolder: source)
        let r = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.3)).run(&few, windows: [Array(windows[0].prefix(4))])
        #expect(r.matrices.contains { $0.shiftedPivots > 0 })
        #expect(few.blocks.allSatisfy { b in b.linearNames.allSatisfy { b.linear($0).denseWeight.elements.allSatisfy(\.isFinite) } })
    }

    @Test func writerNeverLeavesAHalfWrittenModel() throws {
        let source = Self.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let report = try Compressor(options: CompressionOptions(method: .svd, ratio: 0.3)).run(&model, windows: Self.windows(vocab: 97))
        let info = CompressedModelInfo(report: report, model: model, calibrationText: "x")
        // An existing non-empty folder is left alone without --force.
        let dest = Self.temporaryDirectory("dest")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dest) }
        try Data("keep".utf8).write(to: dest.appendingPathComponent("notes.txt"))
        #expect(throws: CompressionError.self) {
            try CompressedModelWriter.write(model: model, source: source, to: dest, dtype: .f32, svdLLM: info)
        }
        #expect(try String(contentsOf: dest.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep")
        // An unwritable parent: a clear error, nothing created.
        let blocked = URL(fileURLWithPath: "/proc/svdllm-cannot-write-here/out")
        #expect(throws: (any Error).self) {
            try CompressedModelWriter.write(model: model, source: source, to: blocked, dtype: .f32, svdLLM: info)
        }
        // F16 / BF16 outputs load back with the same ranks.
        for dtype in [SafeTensorsDType.f16, .bf16] {
            let out = Self.temporaryDirectory("half")
            defer { try? FileManager.default.removeItem(at: out) }
            try CompressedModelWriter.write(model: model, source: source, to: out, dtype: dtype, svdLLM: info)
            let loaded = try CausalLM(huggingFaceFolder: out)
            #expect(loaded.blocks[0].linear(.q).rank == model.blocks[0].linear(.q).rank)
        }
    }

    /// `updateSamples`: the update fits on the first k windows only — for `update` (no dense profile) exactly as
    /// a run given just those k windows; k = all windows is the default.
    @Test func updateOnTheFirstWindows() throws {
        let source = Self.tiny("llama")
        let dense = try CausalLM(huggingFaceFolder: source)
        let windows = Self.windows(vocab: dense.vocabularySize)
        func factors(_ options: CompressionOptions, _ w: [[Int]]) throws -> ([Float], CompressionReport) {
            var model = dense
            let report = try Compressor(options: options).run(&model, windows: w)
            guard case let .lowRank(u, v, _) = model.blocks[1].linear(.down) else { return ([], report) }
            return (u.elements + v.elements, report)
        }
        let (firstThree, _) = try factors(CompressionOptions(method: .update, ratio: 0.4), Array(windows.prefix(3)))
        let (limited, report) = try factors(CompressionOptions(method: .update, ratio: 0.4, updateSamples: 3), windows)
        #expect(limited == firstThree)
        #expect(report.updateSamples == 3)
        let (all, allReport) = try factors(CompressionOptions(method: .update, ratio: 0.4), windows)
        let (explicitAll, _) = try factors(CompressionOptions(method: .update, ratio: 0.4, updateSamples: windows.count), windows)
        #expect(all == explicitAll)
        #expect(all != limited)
        #expect(allReport.updateSamples == windows.count)
        #expect(throws: CompressionError.self) {
            try CompressionOptions(method: .whitenUpdate, ratio: 0.4, updateSamples: 0).validate()
        }
    }

    /// Separate update windows (the official `get_loaders` windows): `update` (no dense profile) on calibration
    /// windows W with update windows U is exactly `update` on U; `whiten+update` whitens on W and updates on U.
    @Test func separateUpdateWindows() throws {
        let source = Self.tiny("llama")
        let dense = try CausalLM(huggingFaceFolder: source)
        let calibration = Self.windows(vocab: dense.vocabularySize)
        let update = Self.windows(vocab: dense.vocabularySize, count: 4, seed: 9)
        func factors(_ method: CompressionMethod, _ w: [[Int]], _ u: [[Int]]?)
            throws -> (u: [Float], v: [Float], report: CompressionReport) {
            var model = dense
            let report = try Compressor(options: CompressionOptions(method: method, ratio: 0.4))
                .run(&model, windows: w, updateWindows: u)
            guard case let .lowRank(uf, vf, _) = model.blocks[1].linear(.down) else { return ([], [], report) }
            return (uf.elements, vf.elements, report)
        }
        let onU = try factors(.update, update, nil)
        let separate = try factors(.update, calibration, update)
        #expect(separate.u == onU.u && separate.v == onU.v)
        #expect(separate.report.updateSamples == 4 && separate.report.updateSampler == "token-windows")
        let both = try factors(.whitenUpdate, calibration, update)
        let sameData = try factors(.whitenUpdate, calibration, nil)
        // W_v (the whitened truncation) comes from the calibration windows alone; W_u from the update windows.
        #expect(both.v == sameData.v)
        #expect(both.u != sameData.u)
        #expect(both.report.updateSampler == "token-windows" && sameData.report.updateSampler == "calibration")
        #expect(sameData.report.updateSamples == calibration.count)
        #expect(throws: CompressionError.self) {
            var model = dense
            _ = try Compressor(options: CompressionOptions(method: .update, ratio: 0.4))
                .run(&model, windows: calibration, updateWindows: [Array(update[0].prefix(10))])
        }
    }

    static func layerFiles(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("layer-") }.sorted()
    }

    /// A factorization that fails throws its typed error with the earlier layers checkpointed and no later layer
    /// (3 layers: a NaN weight in block 1).
    @Test(arguments: [CompressionMethod.whiten, .whitenUpdate, .asvd])
    func factorizationErrorsKeepTheFinishedLayers(method: CompressionMethod) throws {
        var poisoned = try CausalLM(huggingFaceFolder: Self.tiny("gemma3"))
        let windows = Self.windows(vocab: poisoned.vocabularySize)
        var w = poisoned.blocks[1].linear(.down).denseWeight
        w.elements[5] = .nan
        try poisoned.setLinear(layer: 1, name: .down, to: .dense(weight: w, bias: nil))  // its input stays finite
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let dir = Self.temporaryDirectory("factor-error")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
        var model = poisoned
        do {
            _ = try Compressor(options: CompressionOptions(method: method, ratio: 0.4, parallelism: .threads(2)),
                               checkpoint: checkpoint).run(&model, windows: windows)
            Issue.record("NaN weight accepted")
        } catch let e as CompressionError {
            #expect(e == .nonFinite(layer: 1, name: "down_proj", what: "the weight"))
        }
        #expect(Self.layerFiles(dir) == ["layer-000.json", "layer-000.safetensors"])
    }

    /// An error of the profiling of block 1 (its profile cannot be stored): block 0 is kept in the checkpoint.
    @Test func profilingErrorsKeepTheFinishedLayers() throws {
        let windows = Self.windows(vocab: 97)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let root = Self.temporaryDirectory("profile-error-cache")
        let dir = Self.temporaryDirectory("profile-error-ckpt")
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: dir)
        }
        let cache = try ProfileCache(root: root, fingerprint: fingerprint)
        // A folder where block 1's first Gram file goes: storing block 1's profile fails.
        try FileManager.default.createDirectory(at: cache.directory.appendingPathComponent("layer-001-g0.gram.npy"),
                                                withIntermediateDirectories: true)
        let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
        var model = try CausalLM(huggingFaceFolder: Self.tiny("llama"))
        do {
            _ = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.4, parallelism: .threads(2)),
                               profileCache: cache, checkpoint: checkpoint).run(&model, windows: windows)
            Issue.record("unwritable profile accepted")
        } catch let e as CompressionError {
            guard case .io = e else { Issue.record("\(e)"); return }
        }
        #expect(Self.layerFiles(dir) == ["layer-000.json", "layer-000.safetensors"])
    }

    /// `compress --memory layer`: the model loaded mapped (``WeightStorage/mapped``), one block widened to f32 at a
    /// time and finished blocks read back from the checkpoint, gives the factors and the folder of the model held in
    /// f32, byte for byte — also when the run is interrupted and resumed.
    @Test(arguments: ["llama", "opt", "gemma3"], [CompressionMethod.whiten, .whitenUpdate, .svd])
    func mappedRunEqualsInMemoryRun(arch: String, method: CompressionMethod) throws {
        let source = Self.tiny(arch)
        let vocab = try CausalLM(huggingFaceFolder: source).vocabularySize
        let windows = Self.windows(vocab: vocab)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let options = CompressionOptions(method: method, ratio: 0.4, parallelism: .threads(2))
        var folders: [URL] = []
        defer { for f in folders { try? FileManager.default.removeItem(at: f) } }
        /// The compressed model and its written weights file.
        func run(_ storage: WeightStorage?, checkpoint dir: URL, resume: Bool = false) throws -> (CausalLM, Data) {
            var model = try CausalLM(huggingFaceFolder: source, storage: storage)
            let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: resume)
            let report = try Compressor(options: options, checkpoint: checkpoint).run(&model, windows: windows)
            let out = Self.temporaryDirectory("mapped-out")
            folders.append(out)
            try CompressedModelWriter.write(model: model, source: source, to: out, dtype: .f32,
                                            svdLLM: CompressedModelInfo(report: report, model: model, calibrationText: "random"))
            return (model, try Data(contentsOf: out.appendingPathComponent(SafeTensorsFolder.singleFileName)))
        }
        let memoryDir = Self.temporaryDirectory("mapped-ckpt-memory"), mappedDir = Self.temporaryDirectory("mapped-ckpt")
        folders += [memoryDir, mappedDir]
        let (inMemory, expected) = try run(nil, checkpoint: memoryDir)
        let (mapped, written) = try run(.mapped, checkpoint: mappedDir)
        #expect(written == expected)
        for i in mapped.blocks.indices {
            for name in mapped.blocks[i].linearNames {
                let a = inMemory.blocks[i].linear(name), b = mapped.blocks[i].linear(name)
                #expect(b.storage == .mapped)  // nothing of a finished block stays in memory
                #expect(b.factors.u.dequantized() == a.factors.u.dequantized())
                #expect(b.factors.v?.dequantized() == a.factors.v?.dequantized())
                #expect(b.bias == a.bias)
            }
        }
        let tokens = Array(windows[0].prefix(12))
        #expect(try Self.logits(mapped, tokens) == Self.logits(inMemory, tokens))
        // Interrupted after block 0, then resumed, mapped.
        for ext in ["json", "safetensors"] { try FileManager.default.removeItem(at: mappedDir.appendingPathComponent("layer-001.\(ext)")) }
        let (_, resumed) = try run(.mapped, checkpoint: mappedDir, resume: true)
        #expect(resumed == expected)
    }

    /// `--layers` ranges: two ranges computed apart (two checkpoint folders, as on two machines) and joined give
    /// the single run's factors bit for bit (whiten: independent ranges, model mapped); the update methods run
    /// their ranges in order, and refuse a range whose earlier layers are missing.
    @Test func layerRangesJoinedEqualOneRun() throws {
        let source = Self.tiny("gemma3")  // 3 layers
        let vocab = try CausalLM(huggingFaceFolder: source).vocabularySize
        let windows = Self.windows(vocab: vocab)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        var dirs: [URL] = []
        defer { for d in dirs { try? FileManager.default.removeItem(at: d) } }
        func checkpoint(_ name: String, resume: Bool = false) throws -> LayerCheckpoint {
            let dir = Self.temporaryDirectory(name)
            dirs.append(dir)
            return try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: resume)
        }
        func run(_ method: CompressionMethod, layers: Range<Int>?, _ ckpt: LayerCheckpoint) throws -> CausalLM {
            var options = CompressionOptions(method: method, ratio: 0.4, parallelism: .threads(2))
            options.layers = layers
            var model = try CausalLM(huggingFaceFolder: source, storage: .mapped)
            _ = try Compressor(options: options, checkpoint: ckpt).run(&model, windows: windows)
            return model
        }
        func factors(_ m: CausalLM) -> [[Float]] {
            m.blocks.flatMap { b in b.linearNames.flatMap { n in
                [b.linear(n).factors.u.dequantized().elements, b.linear(n).factors.v?.dequantized().elements ?? []] } }
        }
        for method in [CompressionMethod.whiten, .whitenUpdate] {
            let single = try run(method, layers: nil, try checkpoint("single"))
            let first = try checkpoint("first")
            if method.updatesU {
                #expect(throws: CompressionError.self) { try run(method, layers: 1..<3, try checkpoint("orphan")) }
                _ = try run(method, layers: 0..<1, first)
                _ = try run(method, layers: 1..<3, first)  // in order, in the same folder
                #expect(first.finishedLayers() == [0, 1, 2])
            } else {
                let second = try checkpoint("second")
                _ = try run(method, layers: 1..<3, second)
                _ = try run(method, layers: 0..<1, first)
                #expect(first.finishedLayers() == [0] && second.finishedLayers() == [1, 2])
                #expect(try first.absorb(second.directory) == [1, 2])
            }
            // The completing run adopts every saved layer.
            let joined = try run(method, layers: nil, try LayerCheckpoint(directory: first.directory, fingerprint: fingerprint,
                                                                           description: "t", resume: true))
            #expect(factors(joined) == factors(single), "\(method)")
        }
        var other = fingerprint
        other.add("another run")
        let foreign = Self.temporaryDirectory("foreign")
        dirs.append(foreign)
        _ = try LayerCheckpoint(directory: foreign, fingerprint: other, description: "u", resume: false)
        #expect(throws: CompressionError.self) { try checkpoint("join-target").absorb(foreign) }
    }

    /// `--activations disk`: the hidden-state streams spilled to files give the same factors as in memory, and the
    /// spill files are gone when the run ends.
    @Test(arguments: [CompressionMethod.whiten, .whitenUpdate, .asvd])
    func spilledActivationsEqualInMemory(method: CompressionMethod) throws {
        let source = Self.tiny("llama")
        let windows = Self.windows(vocab: 97)
        let spill = Self.temporaryDirectory("spill")
        defer { try? FileManager.default.removeItem(at: spill) }
        func run(_ location: HiddenStates.Location) throws -> [Linear] {
            var model = try CausalLM(huggingFaceFolder: source)
            var compressor = Compressor(options: CompressionOptions(method: method, ratio: 0.4, parallelism: .threads(2),
                                                                    updateSamples: 4))
            compressor.activations = location
            _ = try compressor.run(&model, windows: windows)
            return model.blocks.flatMap { b in b.linearNames.map { b.linear($0) } }
        }
        #expect(try run(.disk(spill)) == run(.memory))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: spill.path)) ?? []).isEmpty)
    }
}
