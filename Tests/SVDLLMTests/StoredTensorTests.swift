import Foundation
import Testing
@testable import SVDLLM
import Formats
import LinearAlgebraCore
import TransformerRuntime

/// A source tensor as stored (``StoredTensor``): a folder's GGML blocks stand for `<stem>.weight` and widen to
/// the values the blocks decode to; a float tensor widens to what the folder reads; malformed blocks are refused.
@Test func storedTensorsWidenToTheValuesTheyHold() throws {
    let (rows, cols) = (5, 64)
    var g = SeededGenerator(seed: 11)
    let values = Matrix<Float>(rows: rows, cols: cols, elements: (0..<rows * cols).map { _ in Float(Int(g.next() % 2001) - 1000) / 256 })
    var blocks = [UInt8](repeating: 0, count: rows * GGMLBlockTensors.rowBytes(cols: cols, type: .q8_0)!)
    try values.elements.withUnsafeBufferPointer { v in try blocks.withUnsafeMutableBytes { try Quantize.encode(.q8_0, v, into: $0) } }

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stored-tensor-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var w = SafeTensorsWriter()
    try w.addRaw("model.embed_tokens.ggml_q8_0", bytes: blocks, dtype: .u8, shape: [rows, blocks.count / rows])
    try w.addRaw("bad.ggml_q8_0", bytes: [UInt8](repeating: 0, count: 2 * 35), dtype: .u8, shape: [2, 35])
    try w.add("lm_head.weight", values, dtype: .f16)
    try w.write(to: dir.appendingPathComponent("model.safetensors"))
    let folder = try SafeTensorsFolder(directory: dir)

    let (name, stored) = try #require(try StoredTensor.ggmlBlocks(folder, "model.embed_tokens.ggml_q8_0"))
    #expect(name == "model.embed_tokens.weight" && stored.rows == rows && stored.cols == cols)
    var decoded = Matrix<Float>(rows: rows, cols: cols)
    blocks.withUnsafeBytes { b in
        decoded.elements.withUnsafeMutableBufferPointer {
            GGMLBlockTensors.decode(b, type: .q8_0, cols: cols, rows: 0..<rows, into: $0.baseAddress!)
        }
    }
    #expect(try stored.widened() == decoded)

    let half = try #require(StoredTensor.safeTensors(folder, "lm_head.weight"))
    #expect(half.encoding == .elements(.f16))
    #expect(try half.widened() == folder.tensor("lm_head.weight"))

    #expect(try StoredTensor.ggmlBlocks(folder, "lm_head.weight") == nil)
    #expect(throws: CompressionError.self) { try StoredTensor.ggmlBlocks(folder, "bad.ggml_q8_0") }
}
