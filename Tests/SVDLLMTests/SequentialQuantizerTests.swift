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

    static func allInt4(_ model: CausalLM) -> Bool {
        model.blocks.allSatisfy { b in
            b.linearNames.allSatisfy { n in
                let (u, v) = b.linear(n).factors
                return u.storage == .int4 && (v.map { $0.storage == .int4 } ?? true)
            }
        }
    }

    // MARK: - The packed layout

    @Test(arguments: [2, 4, 8])
    func packUnpackRoundTrip(bits: Int) {
        var g = SeededGenerator(seed: 11)
        let (rows, cols, gs) = (13, 37, 16)
        let groups = 3, maxq = UInt64((1 << bits) - 1)
        let codes = (0..<rows * cols).map { _ in UInt8(g.next() % (maxq + 1)) }
        let zeros = (0..<rows * groups).map { _ in UInt8(g.next() % (maxq + 1)) }
        let scales = (0..<rows * groups).map { _ in Float(Float16(Float(g.next() % 1000) / 997)) }
        let p = GPTQPackedTensors(rows: rows, cols: cols, bits: bits, groupSize: gs, codes: codes, zeros: zeros,
                                  scales: scales, gIdx: nil)
        let per = 32 / bits
        #expect(p.qweightShape == [(cols + per - 1) / per, rows])
        #expect(p.qzerosShape == [groups, (rows + per - 1) / per])
        #expect(p.scalesShape == [groups, rows])
        #expect(p.codes() == codes)
        #expect(p.zeros() == zeros)
        #expect(p.floatScales() == scales)
        // Word [i, o], field k = code of input per·i + k (low bits first); zeros along the outputs.
        for o in 0..<rows {
            for i in 0..<cols {
                let word = p.qweight[(i / per) * rows + o]
                #expect(UInt8((word >> UInt32(bits * (i % per))) & UInt32(maxq)) == codes[o * cols + i])
            }
        }
        let zWord = p.qzeros[1 * p.qzerosShape[1] + 0]  // group 1, outputs 0..<per
        #expect(UInt8(zWord & UInt32(maxq)) == zeros[0 * groups + 1])
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
            #expect(packed.groupQuantizedMatrix() == m)
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

    @Test func roundToNearestNeedsNoWindowsAndOtherWidthsStayInMemory() throws {
        let source = CompressorTests.tiny("llama")
        var model = try CausalLM(huggingFaceFolder: source)
        let rtn = SequentialQuantizationOptions(method: .rtn, bits: 4, groupSize: 32, measureRTN: false)
        let report = try SequentialQuantizer(options: rtn, parallelism: .serial).run(&model, windows: [])
        #expect(Self.allInt4(model))
        #expect(report.matrices.allSatisfy { $0.gptqError == nil && $0.rtnError == nil })

        var three = try CausalLM(huggingFaceFolder: source)
        let opts3 = SequentialQuantizationOptions(method: .gptq, bits: 3, groupSize: 32)
        _ = try SequentialQuantizer(options: opts3, parallelism: .serial)
            .run(&three, windows: CompressorTests.windows(vocab: 97, count: 4, length: 32))
        guard case let .dense(w, _) = three.blocks[0].linear(.down) else {
            Issue.record("3-bit down is not dense f32")
            return
        }
        for r in 0..<w.rows {
            for g in 0..<2 { #expect(Set(w.elements[r * 64 + 32 * g..<r * 64 + 32 * (g + 1)]).count <= 8) }
        }
        let out = CompressorTests.temporaryDirectory("q3")
        #expect(throws: ModelQuantizationError.self) {
            try QuantizedModelWriter.write(model: three, source: source, to: out,
                                           quantization: QuantizedModelInfo(options: opts3, calibration: nil))
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
