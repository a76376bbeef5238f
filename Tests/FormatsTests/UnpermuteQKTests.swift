import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// permute ∘ unpermute = identity (and the reverse), and the mapping moves rows as documented.
@Test(arguments: [(4, 8, 3), (1, 2, 5), (3, 64, 7), (9, 64, 2)])
func qkPermutationRoundTrips(heads: Int, headDim: Int, cols: Int) throws {
    let m = Matrix<Double>.gaussian(rows: heads * headDim, cols: cols, seed: UInt64(heads * 100 + headDim))
    #expect(try QKPermutation.permute(QKPermutation.unpermute(m, heads: heads), heads: heads) == m)
    #expect(try QKPermutation.unpermute(QKPermutation.permute(m, heads: heads), heads: heads) == m)
    // HF row h·D + s·D/2 + i sits at GGUF row h·D + 2i + s.
    let p = try QKPermutation.permute(m, heads: heads)
    for h in 0..<heads {
        for s in 0..<2 {
            for i in 0..<(headDim / 2) {
                let hf = h * headDim + s * headDim / 2 + i, gguf = h * headDim + 2 * i + s
                #expect(p.submatrix(rows: gguf..<(gguf + 1), cols: 0..<cols) == m.submatrix(rows: hf..<(hf + 1), cols: 0..<cols))
            }
        }
    }
}

@Test func qkPermutationRejectsBadHeadCounts() {
    let m = Matrix<Float>(rows: 12, cols: 2)
    #expect(throws: FormatError.self) { try QKPermutation.unpermute(m, heads: 0) }
    #expect(throws: FormatError.self) { try QKPermutation.unpermute(m, heads: 5) }
    #expect(throws: FormatError.self) { try QKPermutation.unpermute(m, heads: 4) }   // head size 3 is odd
}

/// SmolLM2's attn_q / attn_k un-permuted here equal transformers' `_reverse_permute_weights` of gguf-py's decoding.
@Test func unpermuteMatchesTransformersOnSmolLM2() throws {
    let manifest = try #require(try fixtureJSON("gguf/manifest.json") as? [String: Any])
    let entries = try #require(manifest["unpermuted"] as? [[String: Any]])
    #expect(entries.count == 2)
    let file = try GGUFFile(url: AssetCache.default.require(AssetCache.default.smolLM2))
    let config = try ModelConfig(gguf: file)
    for e in entries {
        let name = e["tensor"] as! String, rows = e["rows"] as! Int, cols = e["cols"] as! Int
        let expected = try fixtureFloats("gguf/" + (e["expected"] as! String))
        let heads = name.contains("attn_q") ? e["heads"] as! Int : e["kv_heads"] as! Int
        let direct = try GGUFFile.unpermuteQK(file.dequantize(name), heads: heads)
        #expect(bitIdentical(Array(direct.elements.prefix(rows * cols)), expected), "\(name)")
        let viaConfig = try file.dequantizeHF(name, config: config)
        #expect(viaConfig == direct)
    }
    // Other tensors pass through unchanged.
    #expect(try file.dequantizeHF("blk.0.attn_v.weight", config: config) == file.dequantize("blk.0.attn_v.weight"))
}
