import Foundation
import Testing
@testable import SVDLLM
import Factorizations
import Formats
import GEMM
import LinearAlgebraCore
import Tokenizers
import TransformerRuntime

/// SmolLM2 layers with real calibration inputs (PTB train): the whitening identities hold on real data.
@Suite struct RealLayerTests {
    static func smolLM2() throws -> (CausalLM, Tokenizer) {
        let url = try AssetCache.default.require(AssetCache.default.smolLM2)
        let gguf = try GGUFFile(url: url)
        return (try CausalLM(gguf: gguf, parallelism: .threads(2)), try Tokenizer(gguf: url))
    }

    static func windows(_ tokenizer: Tokenizer, count: Int, length: Int) throws -> [[Int]] {
        let text = try String(contentsOf: AssetCache.default.require(AssetCache.default.ptb("train")), encoding: .utf8)
        return try CalibrationSampler(sampleCount: count, sequenceLength: length, seed: 3).windows(text: text, tokenizer: tokenizer)
    }

    /// ‖(W − W_u W_v) Xᵀ‖_F² computed from the captured inputs themselves equals Σ dropped σ² of W·S.
    @Test func whitenedTruncationLossEqualsDroppedSigmaSquared() throws {
        let (model, tok) = try Self.smolLM2()
        // 8 × 512 = 4096 tokens: more than the widest input (1536), so every Gram is positive definite.
        let windows = try Self.windows(tok, count: 8, length: 512)
        var h = try windows.map { try model.embed($0) }
        for i in 0..<2 { h = h.map { model.forwardLayer(i, $0) } }
        let layer = 2
        var xs: [LinearName: [Matrix<Float>]] = [:]
        let (profile, _) = profileLayer(model, layer: layer, inputs: h, keepOutputs: false, parallelism: .threads(2))
        for w in h {
            _ = model.forwardLayer(layer, w, capture: { input in xs[input.names[0], default: []].append(input.x) })
        }
        for name in [LinearName.q, .o, .down] {
            let stats = try #require(profile.statistics(for: name))
            #expect(stats.tokens == 4096)
            var g = stats.gram
            for k in g.elements.indices { g.elements[k] /= Double(stats.tokens) }
            let chol = try RegularizedCholesky(g, params: whiteningRegularization)
            #expect(chol.report.isUnshifted)
            let w = model.blocks[layer].linear(name).denseWeight.converted(to: Double.self)
            let r = truncationRank(rows: w.rows, cols: w.cols, ratio: 0.4)
            let f = try scaledTruncation(w, scaling: .lowerTriangular(chol.l), rank: r, svd: .jacobi, layer: layer,
                                         name: name.rawValue)
            // Direct: Σ_t ‖(W − UV) x_t‖² / tokens over the captured X.
            let approx = matmul(f.u, f.v)
            var direct = 0.0
            for x in xs[profile.groups[profile.groupIndex(of: name)!][0]]! {
                let xd = x.converted(to: Double.self)
                let y = matmul(xd, w, transB: .transposed), ya = matmul(xd, approx, transB: .transposed)
                for k in y.elements.indices { let d = y.elements[k] - ya.elements[k]; direct += d * d }
            }
            direct /= Double(stats.tokens)
            let rel = abs(direct - f.truncationLoss) / f.truncationLoss
            // The shifted pivots of a rank-deficient Gram (down: 1536 inputs, 1024 tokens) add at most n·ε·max(diag).
            #expect(rel < 1e-6, "\(name): direct \(direct) vs Σ dropped σ² \(f.truncationLoss) (rel \(rel))")
            #expect(abs(outputLoss(w, f.u, f.v, gram: g) - f.truncationLoss) / f.truncationLoss < 1e-6)
        }
    }

    /// `compress --memory layer` on the real model: SmolLM2 mapped from its Q4_1 GGUF, every layer widened in turn
    /// and read back from the checkpoint, gives the factors of the model dequantized to f32 up front, bit for bit
    /// (all 30 layers; a short calibration and the randomized SVD at a high ratio keep it quick).
    @Test func mappedCompressionEqualsInMemoryOnSmolLM2() throws {
        let url = try AssetCache.default.require(AssetCache.default.smolLM2)
        let tokenizer = try Tokenizer(gguf: url)
        let windows = try Self.windows(tokenizer, count: 4, length: 256)
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: windows)
        let options = CompressionOptions(method: .whiten, ratio: 0.9, svd: .rsvd, parallelism: .threads(2))
        var dirs: [URL] = []
        defer { for d in dirs { try? FileManager.default.removeItem(at: d) } }
        var report: CompressionReport?
        func run(_ storage: WeightStorage?) throws -> CausalLM {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-real-mapped-\(UUID().uuidString)")
            dirs.append(dir)
            var model = try CausalLM(ggufURL: url, parallelism: .threads(2), storage: storage)
            let checkpoint = try LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "t", resume: false)
            report = try Compressor(options: options, checkpoint: checkpoint).run(&model, windows: windows)
            return model
        }
        let inMemory = try run(nil), mapped = try run(.mapped)
        #expect(mapped.layerCount == 30)
        for i in 0..<mapped.layerCount {
            for name in mapped.blocks[i].linearNames {
                let a = inMemory.blocks[i].linear(name).factors, b = mapped.blocks[i].linear(name).factors
                #expect(b.u.storage == .mapped)
                #expect(b.u.dequantized() == a.u.dequantized() && b.v?.dequantized() == a.v?.dequantized(), "layer \(i) \(name)")
            }
        }

        // The folder keeps the GGUF's embedding in its block type and loads to the in-memory model's logits.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-real-folder-\(UUID().uuidString)")
        dirs.append(out)
        try CompressedModelWriter.write(model: mapped, source: url, to: out, dtype: .f32,
                                        svdLLM: CompressedModelInfo(report: try #require(report), model: mapped, calibrationText: "ptb"))
        let embd = try #require(GGUFFile(url: url).tensorInfo("token_embd.weight"))
        let folder = try SafeTensorsFolder(directory: out)
        let blocks = GGMLBlockTensors.name(stem: "model.embed_tokens", type: embd.type)
        #expect(folder.info(blocks)?.shape == [embd.rows, embd.rowBytes])
        #expect(folder.info("model.embed_tokens.weight") == nil)
        let tokens = Array(windows[1].prefix(24))
        for storage in [WeightStorage?.none, .mapped] {
            let loaded = try CausalLM(huggingFaceFolder: out, parallelism: .threads(2), storage: storage)
            var c1: KVCache? = nil, c2: KVCache? = nil
            #expect(try loaded.forward(tokens: tokens, cache: &c1).elements == inMemory.forward(tokens: tokens, cache: &c2).elements)
        }
    }
}
