import Foundation
import Testing
@testable import SVDLLM
import Evaluation
import Formats
import GEMM
import LinearAlgebraCore
import Quantization
import TransformerRuntime

/// GPTQ / RTN on whole (tiny) models: the sequential driver, the GPTQ checkpoint layout, save → load, low-rank
/// factors, act-order, errors.
@Suite struct SequentialQuantizerTests {
    static func logits(_ model: CausalLM, _ tokens: [Int]) throws -> [Float] {
        var cache: KVCache? = nil
        return try model.forward(tokens: tokens, cache: &cache).elements
    }

    static func allInt4(_ model: CausalLM) -> Bool { allStored(model, as: .int4) }

    /// Whether every linear (every factor) of `model` is held in `storage`.
    static func allStored(_ model: CausalLM, as storage: WeightStorage) -> Bool {
        model.blocks.allSatisfy { b in
            b.linearNames.allSatisfy { n in
                let (u, v) = b.linear(n).factors
                return u.storage == storage && (v.map { $0.storage == storage } ?? true)
            }
        }
    }

    // MARK: - The packed layout

    @Test(arguments: [2, 3, 4, 8])
    func packUnpackRoundTrip(bits: Int) {
        var g = SeededGenerator(seed: 11)
        let (rows, cols, gs) = (45, 37, 16)
        let groups = 3, maxq = UInt64((1 << bits) - 1)
        let codes = (0..<rows * cols).map { _ in UInt8(g.next() % (maxq + 1)) }
        let zeros = (0..<rows * groups).map { _ in UInt8(g.next() % (maxq + 1)) }
        let scales = (0..<rows * groups).map { _ in Float(Float16(Float(g.next() % 1000) / 997)) }
        let p = GPTQPackedTensors(rows: rows, cols: cols, bits: bits, groupSize: gs, codes: codes, zeros: zeros,
                                  scales: scales, gIdx: nil)
        // ⌈n·b/32⌉ words for n codes; at 3 bits whole chunks of 32 codes in 3 words.
        let words = { (n: Int) in bits == 3 ? 3 * ((n + 31) / 32) : (n * bits + 31) / 32 }
        #expect(p.qweightShape == [words(cols), rows])
        #expect(p.qzerosShape == [groups, words(rows)])
        #expect(p.scalesShape == [groups, rows])
        #expect(p.codes() == codes)
        #expect(p.zeros() == zeros)
        #expect(p.floatScales() == scales)
        // Bit t of input i's code (output o) is bit b·i + t of column o of qweight read as one little-endian stream
        // (words [0, o], [1, o], …); zeros likewise along the outputs in each row of qzeros.
        for o in 0..<rows {
            for i in 0..<cols {
                for t in 0..<bits {
                    let at = bits * i + t, word = p.qweight[(at / 32) * rows + o]
                    #expect((word >> UInt32(at % 32)) & 1 == UInt32(codes[o * cols + i] >> t) & 1)
                }
            }
            for grp in 0..<groups {
                for t in 0..<bits {
                    let at = bits * o + t, word = p.qzeros[grp * p.qzerosShape[1] + at / 32]
                    #expect((word >> UInt32(at % 32)) & 1 == UInt32(zeros[o * groups + grp] >> t) & 1)
                }
            }
        }
        // The runtime storage holds the same codes and grids.
        let m = p.weightMatrix()
        #expect(m.storage == [2: .int2, 3: .int3, 4: .int4, 8: .int8][bits])
        if case let .packedCodes(q) = m {
            #expect(GPTQPackedTensors(q) == p)
            // qweight itself, its outputs padded to the tiles of 16.
            var padded = [UInt32](repeating: 0, count: p.qweightShape[0] * q.paddedRows)
            for i in 0..<p.qweightShape[0] { for o in 0..<rows { padded[i * q.paddedRows + o] = p.qweight[i * rows + o] } }
            #expect(q.words == padded)
        }
    }

    /// AutoGPTQ's 3-bit layout by example: codes q_k = k mod 8 (k = 0…31) of one output, packed by its `pack` loop
    /// (codes 0…9 in word 0, code 10 split 2 + 1 bits, codes 11…20, code 21 split 1 + 2 bits, codes 22…31), are the
    /// three words below — the 96-bit integer Σ q_k·2^{3k} cut into 32-bit words.
    @Test func threeBitWordsMatchAutoGPTQsPacking() {
        let codes = (0..<32).map { UInt8($0 % 8) }
        let p = GPTQPackedTensors(rows: 1, cols: 32, bits: 3, groupSize: 32, codes: codes, zeros: [5], scales: [1], gIdx: nil)
        #expect(p.qweight == [0x88FA_C688, 0xC688_FAC6, 0xFAC6_88FA])
        #expect(p.qzeros == [5, 0, 0])
        #expect(p.codes() == codes)
    }

    @Test func groupQuantizedMatrixRoundTripWithAndWithoutGroupIndex() {
        var g = SeededGenerator(seed: 3)
        let (rows, cols, gs) = (9, 40, 16)  // groups of 16, 16, 8
        let groups = 3
        let codes = (0..<rows * cols).map { _ in UInt8(g.next() % 16) }
        let zeros = (0..<rows * groups).map { _ in UInt8(g.next() % 16) }
        let scales = (0..<rows * groups).map { _ in Float(Float16(0.01 + Float(g.next() % 100) / 1000)) }
        // An act-order style index: a permutation of the inputs, cut into groups 16, 16, 8 in that order.
        var order = Array(0..<cols)
        for i in stride(from: cols - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        var gIdx = [Int32](repeating: 0, count: cols)
        for (k, p) in order.enumerated() { gIdx[p] = Int32(k / gs) }
        for index in [nil, gIdx] {
            let m = GroupQuantizedMatrix(rows: rows, cols: cols, codes: codes, scales: scales, zeros: zeros, groupSize: gs,
                                         groupIndex: index)
            let packed = GPTQPackedTensors(m)
            #expect(packed.codes() == codes)
            #expect(packed.gIdx == index)
            #expect(packed.weightMatrix() == .int4(m))
        }
        #expect(GPTQPackedTensors.inferGroupSize(cols: 576, groups: 5) == 128)
        #expect(GPTQPackedTensors.inferGroupSize(cols: 230, groups: 8) == 32)
        #expect(GPTQPackedTensors.inferGroupSize(cols: 100, groups: 1) == 100)
    }

    // MARK: - The driver

    /// Partial last group: a matrix of 80 inputs in groups of 32 is quantized as if padded, and the last group's grid is
    /// that of its 16 real inputs.
    @Test func partialLastGroupKeepsTheRealInputsGrid() throws {
        let w = Matrix<Float>(rows: 6, cols: 80) { r, c in Float(sin(Double(r * 80 + c) * 0.37)) * 0.1 }
        let q = SequentialQuantizer(options: .init(method: .rtn, bits: 4, groupSize: 32), parallelism: .serial)
        let (m, _) = try q.quantize(w, stats: nil, layer: 0, module: "w")
        #expect(m.scales.count == 6 * 3)
        for r in 0..<6 {
            let grid = QuantizationGrid(fitting: Array(w.elements[r * 80 + 64..<r * 80 + 80]), bits: 4, symmetric: false)
            #expect(m.scales[r * 3 + 2] == Float(Float16(grid.scale)))
            #expect(Float(m.zeros[r * 3 + 2]) == grid.zero)
        }
        // GPTQ on a padded matrix beats RTN on the calibration inputs.
        var acc = GramAccumulator(dimension: 80)
        acc.add(Matrix<Float>(rows: 200, cols: 80) { t, c in Float(cos(Double(t * 7 + c * c) * 0.11)) })
        let gq = SequentialQuantizer(options: .init(method: .gptq, bits: 4, groupSize: 32), parallelism: .serial)
        let (_, rec) = try gq.quantize(w, stats: acc, layer: 0, module: "w")
        let (g, r) = (try #require(rec.gptqError), try #require(rec.rtnError))
        #expect(g < r)
    }

    /// U's Gram from V's: V_q G V_qᵀ equals Σ (V_q x)(V_q x)ᵀ accumulated from the products (in Double), within
    /// c·ε·Σ_t |t_i||t_j| per entry.
    @Test func factorGramEqualsTheGramOfTheProducts() {
        let (tokens, n, r) = (300, 40, 7)
        let x = Matrix<Float>(rows: tokens, cols: n) { t, c in Float(sin(Double(t * 31 + c * 7) * 0.013)) }
        let vq = Matrix<Float>(rows: r, cols: n) { i, c in Float(Float16(Float(cos(Double(i * 13 + c) * 0.7)))) }
        var xStats = GramAccumulator(dimension: n)
        xStats.add(x)
        let g = SequentialQuantizer.factorGram(xStats, vq: vq, parallelism: .threads(2))
        #expect(g.tokens == tokens && g.dimension == r)
        var exact = Matrix<Double>(rows: r, cols: r), bound = exact
        for t in 0..<tokens {
            var tv = [Double](repeating: 0, count: r), ta = tv
            for i in 0..<r {
                for c in 0..<n {
                    tv[i] += Double(vq[i, c]) * Double(x[t, c])
                    ta[i] += abs(Double(vq[i, c]) * Double(x[t, c]))
                }
            }
            for i in 0..<r { for j in 0..<r { exact[i, j] += tv[i] * tv[j]; bound[i, j] += ta[i] * ta[j] } }
        }
        let gram = g.gram
        for i in 0..<r {
            for j in 0..<r {
                #expect(abs(gram[i, j] - exact[i, j]) <= Double(4 * (n + tokens)) * Double.ulpOfOne * bound[i, j])
            }
        }
    }

    @Test(arguments: [false, true])
    func tinyDenseModelQuantizedSequentiallySavesAndLoadsBack(actOrder: Bool) throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let dense = model
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 6, length: 40)
        let options = SequentialQuantizationOptions(method: .gptq, bits: 4, groupSize: 32, actOrder: actOrder, embeddingBits: 8)
        let report = try SequentialQuantizer(options: options, parallelism: .threads(2)).run(&model, windows: windows)
        #expect(Self.allInt4(model))
        #expect(model.embedding.storage == .q8)
        #expect(report.matrices.count == 2 * 7)
        let gptqSum = report.matrices.compactMap(\.gptqError).reduce(0, +)
        let rtnSum = report.matrices.compactMap(\.rtnError).reduce(0, +)
        #expect(report.matrices.allSatisfy { $0.gptqError != nil && $0.rtnError != nil })
        #expect(gptqSum < rtnSum)
        // Layer 0 sees the dense model's inputs: its error is measured against the dense weights.
        let tokens = Array(windows[0].prefix(16))
        let d = try Self.logits(dense, tokens), q = try Self.logits(model, tokens)
        #expect(d != q)

        let out = CompressorTests.temporaryDirectory("quant")
        defer { try? FileManager.default.removeItem(at: out) }
        try QuantizedModelWriter.write(model: model, source: source, to: out,
                                       quantization: QuantizedModelInfo(options: options, calibration: nil))
        let folder = try SafeTensorsFolder(directory: out)
        #expect(folder.info("model.layers.0.mlp.down_proj.qweight")?.dtype == .i32)
        #expect(folder.shape("model.layers.0.mlp.down_proj.qweight") == [8, 32])
        #expect(folder.shape("model.layers.0.mlp.down_proj.qzeros") == [2, 4])
        #expect(folder.info("model.layers.0.mlp.down_proj.scales")?.dtype == .f16)
        #expect((folder.info("model.layers.0.mlp.down_proj.g_idx") != nil) == actOrder)
        #expect(folder.info("model.embed_tokens.q8_codes")?.dtype == .i8)
        #expect(folder.info("model.layers.0.mlp.down_proj.weight") == nil)
        let loaded = try CausalLM(huggingFaceFolder: out)
        #expect(Self.allInt4(loaded))
        #expect(loaded.embedding == model.embedding)
        for (a, b) in zip(loaded.blocks, model.blocks) {
            for n in a.linearNames { #expect(a.linear(n) == b.linear(n)) }
        }
        #expect(try Self.logits(loaded, tokens) == q)
        let ids = windows.flatMap { $0 }
        let p1 = try perplexity(model: model, tokens: ids, seqlen: 40, windows: 0, bos: false)
        let p2 = try perplexity(model: loaded, tokens: ids, seqlen: 40, windows: 0, bos: false)
        #expect(p1.ppl == p2.ppl)
        let config = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("config.json")))
        #expect(config["quantization"]?["bits"]?.int == 4)
        #expect(config["quantization"]?["checkpoint_format"]?.string == "gptq_v2")
        #expect(QuantizedModelWriter.isQuantizedFolder(out))
        // Quantizing it again is refused.
        var again = loaded
        #expect(throws: ModelQuantizationError.self) {
            try SequentialQuantizer(options: options, parallelism: .serial).run(&again, windows: windows)
        }
    }

    @Test(arguments: ["opt", "qwen2", "gemma3"])
    func otherArchitecturesSaveAndLoadBack(arch: String) throws {
        let source = CompressorTests.tiny(arch)
        var model = try CausalLM(huggingFaceFolder: source)
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 4, length: 24)
        let options = SequentialQuantizationOptions(method: .gptq, bits: 4, groupSize: 32, embeddingBits: 8)
        _ = try SequentialQuantizer(options: options, parallelism: .serial).run(&model, windows: windows)
        #expect(Self.allInt4(model))
        let out = CompressorTests.temporaryDirectory("arch-\(arch)")
        defer { try? FileManager.default.removeItem(at: out) }
        try QuantizedModelWriter.write(model: model, source: source, to: out,
                                       quantization: QuantizedModelInfo(options: options, calibration: nil))
        let loaded = try CausalLM(huggingFaceFolder: out)
        let tokens = Array(windows[0].prefix(10))
        #expect(try Self.logits(loaded, tokens) == Self.logits(model, tokens))
    }

    @Test func lowRankFactorsQuantizedFromMemoryAndFromACompressedFolder() throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 6, length: 40)
        let creport = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.4)).run(&model, windows: windows)
        let compressedFolder = CompressorTests.temporaryDirectory("lowrank")
        defer { try? FileManager.default.removeItem(at: compressedFolder) }
        let info = CompressedModelInfo(report: creport, model: model, calibrationText: "random")
        try CompressedModelWriter.write(model: model, source: source, to: compressedFolder, dtype: .f32, svdLLM: info)

        let options = SequentialQuantizationOptions(method: .gptq, bits: 4, groupSize: 32, embeddingBits: 16)
        var inMemory = model
        let report = try SequentialQuantizer(options: options, parallelism: .serial).run(&inMemory, windows: windows)
        #expect(report.matrices.count == 2 * 7 * 2)  // U and V of every linear
        #expect(report.matrices.contains { $0.module == "model.layers.1.self_attn.q_u_proj" })
        guard case let .packedLowRank(.int4(u), .int4(v), _) = inMemory.blocks[0].linear(.q) else {
            Issue.record("q is not packed low-rank int4")
            return
        }
        #expect(u.cols == model.blocks[0].linear(.q).rank && v.rows == u.cols)

        // Saved from the dense source (with the svd_llm block) and from the compressed folder: the same model.
        let out1 = CompressorTests.temporaryDirectory("lr-q1"), out2 = CompressorTests.temporaryDirectory("lr-q2")
        defer { try? FileManager.default.removeItem(at: out1); try? FileManager.default.removeItem(at: out2) }
        try QuantizedModelWriter.write(model: inMemory, source: source, to: out1,
                                       quantization: QuantizedModelInfo(options: options, calibration: nil), svdLLM: info)
        var fromFolder = try CausalLM(huggingFaceFolder: compressedFolder)
        _ = try SequentialQuantizer(options: options, parallelism: .serial).run(&fromFolder, windows: windows)
        try QuantizedModelWriter.write(model: fromFolder, source: compressedFolder, to: out2,
                                       quantization: QuantizedModelInfo(options: options, calibration: nil))
        let tokens = Array(windows[1].prefix(20))
        let expected = try Self.logits(inMemory, tokens)
        for out in [out1, out2] {
            let loaded = try CausalLM(huggingFaceFolder: out)
            #expect(Self.allInt4(loaded))
            #expect(loaded.embedding.storage == .f16)
            #expect(try Self.logits(loaded, tokens) == expected)
            let config = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("config.json")))
            #expect(config["svd_llm"] != nil && config["quantization"] != nil)
            #expect(try SafeTensorsFolder(directory: out).info("model.layers.0.self_attn.q_u_proj.qweight") != nil)
        }
    }

    @Test func roundToNearestNeedsNoWindows() throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let rtn = SequentialQuantizationOptions(method: .rtn, bits: 4, groupSize: 32, measureRTN: false)
        let report = try SequentialQuantizer(options: rtn, parallelism: .serial).run(&model, windows: [])
        #expect(Self.allInt4(model))
        #expect(report.matrices.allSatisfy { $0.gptqError == nil && $0.rtnError == nil })
    }

    /// 2, 3 and 8 bits are held packed (int2 / int3 / int8), dense and low-rank, and a saved model loads back to the
    /// same linears and logits; a model saved with other bits than its linears' is refused, nothing written.
    @Test(arguments: [2, 3, 8])
    func otherWidthsArePackedSavedAndLoadedBack(bits: Int) throws {
        let source = CompressorTests.tiny("llama")
        let storage: WeightStorage = [2: .int2, 3: .int3, 8: .int8][bits]!
        let windows = CompressorTests.windows(vocab: 97, count: 4, length: 32)
        var dense = try CausalLM(huggingFaceFolder: source)
        var lowRank = dense
        _ = try Compressor(options: CompressionOptions(method: .whiten, ratio: 0.4)).run(&lowRank, windows: windows)
        let options = SequentialQuantizationOptions(method: .gptq, bits: bits, groupSize: 32, actOrder: bits == 3)
        _ = try SequentialQuantizer(options: options, parallelism: .serial).run(&dense, windows: windows)
        _ = try SequentialQuantizer(options: options, parallelism: .serial).run(&lowRank, windows: windows)
        #expect(Self.allStored(dense, as: storage) && Self.allStored(lowRank, as: storage))
        guard case let .packed(.packedCodes(down), _) = dense.blocks[0].linear(.down) else {
            Issue.record("down is not packed")
            return
        }
        #expect(down.bits == bits && (down.permutation != nil) == (bits == 3))
        let tokens = Array(windows[0].prefix(16))
        for model in [dense, lowRank] {
            let out = CompressorTests.temporaryDirectory("q\(bits)")
            defer { try? FileManager.default.removeItem(at: out) }
            try QuantizedModelWriter.write(model: model, source: source, to: out,
                                           quantization: QuantizedModelInfo(options: options, calibration: nil))
            let loaded = try CausalLM(huggingFaceFolder: out)
            for (a, b) in zip(loaded.blocks, model.blocks) {
                for n in a.linearNames { #expect(a.linear(n) == b.linear(n)) }
            }
            #expect(try Self.logits(loaded, tokens) == Self.logits(model, tokens))
        }
        var wrongBits = options
        wrongBits.bits = bits == 8 ? 4 : 8
        let out = CompressorTests.temporaryDirectory("qwrong")
        #expect(throws: ModelQuantizationError.self) {
            try QuantizedModelWriter.write(model: dense, source: source, to: out,
                                           quantization: QuantizedModelInfo(options: wrongBits, calibration: nil))
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func badArgumentsAndNonFiniteWeightsAreTypedErrors() throws {
        let source = CompressorTests.tiny("llama")
        let windows = CompressorTests.windows(vocab: 97, count: 2, length: 16)
        func run(_ o: SequentialQuantizationOptions, _ edit: (inout CausalLM) -> Void = { _ in }) throws {
            var m = try CausalLM(huggingFaceFolder: source)
            edit(&m)
            _ = try SequentialQuantizer(options: o, parallelism: .serial).run(&m, windows: windows)
        }
        #expect(throws: ModelQuantizationError.invalidArgument(name: "--bits", reason: "5 is not 2, 3, 4 or 8")) {
            try run(.init(bits: 5))
        }
        #expect(throws: ModelQuantizationError.invalidArgument(name: "--group-size", reason: "48 is not 32, 64, 128 or -1 (per row)")) {
            try run(.init(groupSize: 48))
        }
        #expect(throws: ModelQuantizationError.invalidArgument(name: "--embedding-bits", reason: "4 is not 8, 16 or 32")) {
            try run(.init(embeddingBits: 4))
        }
        #expect(throws: ModelQuantizationError.self) { try run(.init(method: .rtn, actOrder: true)) }
        do {
            try run(.init(method: .gptq, bits: 4, groupSize: 32)) { m in
                guard case let .dense(w, b) = m.blocks[1].linear(.up) else { return }
                var w2 = w
                w2[3, 5] = .nan
                try! m.setLinear(layer: 1, name: .up, to: .dense(weight: w2, bias: b))
            }
            Issue.record("NaN weight accepted")
        } catch let ModelQuantizationError.tensor(name, reason) {
            #expect(name == "model.layers.1.mlp.up_proj")
            #expect(reason.contains("non-finite"))
        }
    }
}
