import Foundation
import Testing
import LinearAlgebraCore
import GEMM
@testable import Formats
@testable import TransformerRuntime

/// A folder whose token embedding is kept in GGML blocks (``GGMLBlockTensors``) loads to the logits of the same
/// folder with the decoded f32 embedding, in every storage; malformed block tensors are typed errors.
@Suite struct GGMLBlockTensorsTests {
    /// The tiny checkpoint with its embedding encoded as `type`, and the same with the decoded embedding as F32.
    static func folders(_ type: GGMLType, shape: (([Int]) -> [Int])? = nil) throws -> (blocks: URL, f32: URL) {
        let tiny = TinyCheckpoint()
        let embedding = tiny.tensors()[0].1
        let rowBytes = GGMLBlockTensors.rowBytes(cols: tiny.hidden, type: type)!
        var bytes = [UInt8](repeating: 0, count: tiny.vocab * rowBytes)
        try embedding.elements.withUnsafeBufferPointer { v in
            try bytes.withUnsafeMutableBytes { try Quantize.encode(type, v, into: $0) }
        }
        var decoded = Matrix<Float>(rows: tiny.vocab, cols: tiny.hidden)
        bytes.withUnsafeBytes { b in
            decoded.elements.withUnsafeMutableBufferPointer {
                GGMLBlockTensors.decode(b, type: type, cols: tiny.hidden, rows: 0..<tiny.vocab, into: $0.baseAddress!)
            }
        }
        let f32 = try tiny.write { $0[0].1 = decoded }
        let blocks = try tiny.write { $0.removeFirst() }
        var w = SafeTensorsWriter()
        for name in try SafeTensorsFile(url: blocks.appendingPathComponent("model.safetensors")).names {
            let file = try SafeTensorsFile(url: blocks.appendingPathComponent("model.safetensors"))
            try w.add(name, file.tensor(name), shape: file.info(name)!.shape)
        }
        let stored = [tiny.vocab, rowBytes]
        try w.addRaw(GGMLBlockTensors.name(stem: "model.embed_tokens", type: type), bytes: Array(bytes.prefix(shape.map { $0(stored).reduce(1, *) } ?? bytes.count)),
                     dtype: .u8, shape: shape?(stored) ?? stored)
        try w.write(to: blocks.appendingPathComponent("model.safetensors"))
        return (blocks, f32)
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0], [WeightStorage?.none, .mapped, .f16, .q8])
    func blocksLoadToTheDecodedLogits(type: GGMLType, storage: WeightStorage?) throws {
        let (blocks, f32) = try Self.folders(type)
        defer { for u in [blocks, f32] { try? FileManager.default.removeItem(at: u) } }
        let a = try CausalLM(huggingFaceFolder: blocks, storage: storage)
        let b = try CausalLM(huggingFaceFolder: f32, storage: storage)
        if storage == .mapped { #expect(a.embedding.storage == .mapped) }
        var ca: KVCache? = nil, cb: KVCache? = nil
        let tokens = [3, 17, 60, 0, 42]
        #expect(try a.forward(tokens: tokens, cache: &ca).elements == b.forward(tokens: tokens, cache: &cb).elements)
    }

    @Test func malformedBlocksAreTypedErrors() throws {
        let (short, f32) = try Self.folders(.q8_0) { [$0[0] - 1, $0[1]] }
        defer { for u in [short, f32] { try? FileManager.default.removeItem(at: u) } }
        #expect(throws: RuntimeError.self) { try CausalLM(huggingFaceFolder: short) }
        #expect(GGMLBlockTensors.parse("model.embed_tokens.ggml_q6_k")! == ("model.embed_tokens", .q6_K))
        #expect(GGMLBlockTensors.parse("model.embed_tokens.ggml_iq2_xs") == nil)  // no decoder
        #expect(GGMLBlockTensors.parse("model.embed_tokens.weight") == nil)
        #expect(GGMLBlockTensors.rowBytes(cols: 33, type: .q8_0) == nil)
        #expect(GGMLBlockTensors.cols(rowBytes: 35, type: .q8_0) == nil)
        #expect(GGMLBlockTensors.cols(rowBytes: 68, type: .q8_0) == 64)
    }
}
