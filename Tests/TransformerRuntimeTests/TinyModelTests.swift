import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats
@testable import TransformerRuntime

/// Logits of the whole sequence at once equal (to float rounding: GEMV and GEMM sum in different orders) a prefill of a prefix followed by cached single-token steps.
@Test(arguments: ["llama", "qwen2", "mistral"])
func cachedDecodeMatchesFullForward(modelType: String) throws {
    var ckpt = TinyCheckpoint()
    ckpt.modelType = modelType
    ckpt.attentionBias = modelType == "qwen2"
    ckpt.slidingWindow = modelType == "mistral" ? 5 : nil
    let model = try ckpt.load()
    if modelType == "qwen2" { #expect(model.layer(0).linear(.q).bias != nil) }
    let tokens = [3, 17, 42, 5, 60, 0, 9, 33, 21, 8, 13]
    var none: KVCache? = nil
    let full = try model.forward(tokens: tokens, cache: &none)
    #expect(none == nil)
    var cache: KVCache? = model.makeCache(capacity: 16)
    let pre = try model.forward(tokens: Array(tokens[0..<4]), cache: &cache)
    #expect(maxAbsDiff(pre, full.submatrix(rows: 0..<4, cols: 0..<full.cols)) < 1e-4)
    for t in 4..<tokens.count {
        let row = try model.forward(tokens: [tokens[t]], cache: &cache)
        #expect(maxAbsDiff(row, full.submatrix(rows: t..<t + 1, cols: 0..<full.cols)) < 1e-4)
    }
    #expect(cache?.count == tokens.count)
    #expect(throws: RuntimeError.self) { try model.forward(tokens: Array(repeating: 1, count: 6), cache: &cache) }
    #expect(throws: RuntimeError.self) { try model.forward(tokens: [61], cache: &none) }
}

/// The per-layer API reproduces forward(), and the capture hook sees the four input groups of every block.
@Test func perLayerAPIAndCapture() throws {
    let ckpt = TinyCheckpoint()
    let model = try ckpt.load()
    let tokens = [1, 2, 3, 4, 5, 6, 7]
    var none: KVCache? = nil
    let full = try model.forward(tokens: tokens, cache: &none)
    var h = try model.embed(tokens)
    var seen: [(Int, [LinearName], Int, Int)] = []
    for i in 0..<model.layerCount {
        h = model.forwardLayer(i, h) { seen.append(($0.layer, $0.names, $0.x.rows, $0.x.cols)) }
    }
    model.finalNorm.apply(to: &h)
    #expect(maxAbsDiff(model.logits(hidden: h), full) < 1e-5)
    #expect(seen.count == 4 * ckpt.layers)
    #expect(seen.map(\.1).prefix(4).elementsEqual([[.q, .k, .v], [.o], [.gate, .up], [.down]]))
    #expect(seen[3].3 == ckpt.intermediate && seen[1].3 == ckpt.hidden && seen.allSatisfy { $0.2 == tokens.count })
}

/// Replacing a linear by an exact factorization W = W·I leaves the logits unchanged; a wrong shape is refused.
@Test func setLinearLowRank() throws {
    var model = try TinyCheckpoint().load()
    var none: KVCache? = nil
    let before = try model.forward(tokens: [4, 5, 6], cache: &none)
    let w = model.layer(1).linear(.up).denseWeight
    try model.setLinear(layer: 1, name: .up, to: .lowRank(u: w, v: Matrix.identity(w.cols), bias: nil))
    #expect(model.layer(1).linear(.up).rank == w.cols)
    #expect(maxAbsDiff(try model.forward(tokens: [4, 5, 6], cache: &none), before) < 1e-5)
    #expect(throws: RuntimeError.self) {
        try model.setLinear(layer: 0, name: .down, to: .dense(weight: Matrix(rows: 3, cols: 3), bias: nil))
    }
    #expect(throws: RuntimeError.self) { try model.setLinear(layer: 9, name: .q, to: w.asLinear) }
}

/// The loader binds every tensor or says which one is extra, missing or misshapen.
@Test func strictBinding() throws {
    let ckpt = TinyCheckpoint()
    do {
        _ = try CausalLM(huggingFaceFolder: ckpt.write { $0.append(("model.extra.weight", Matrix(rows: 1, cols: 2), [2])) })
        Issue.record("extra tensor accepted")
    } catch let e as RuntimeError {
        guard case let .unusedTensors(_, names) = e else { Issue.record("\(e)"); return }
        #expect(names == ["model.extra.weight"])
    }
    do {
        _ = try CausalLM(huggingFaceFolder: ckpt.write { $0.removeAll { $0.0 == "model.layers.1.mlp.up_proj.weight" } })
        Issue.record("missing tensor accepted")
    } catch let e as RuntimeError {
        #expect(e == .missingTensor(file: e.fileName, name: "model.layers.1.mlp.up_proj.weight"))
    }
    do {
        _ = try CausalLM(huggingFaceFolder: ckpt.write { t in
            let i = t.firstIndex { $0.0 == "model.norm.weight" }!
            t[i] = ("model.norm.weight", Matrix(rows: 1, cols: 5), [5])
        })
        Issue.record("wrong shape accepted")
    } catch let e as RuntimeError {
        guard case let .shapeMismatch(_, name, expected, got) = e else { Issue.record("\(e)"); return }
        #expect(name == "model.norm.weight" && expected == [1, 32] && got == [1, 5])
    }
    var untied = ckpt
    untied.tied = false
    let m = try untied.load(), tiedCount = try ckpt.load().parameterCount
    #expect(!m.outputTied && m.parameterCount == tiedCount + ckpt.vocab * ckpt.hidden)
}

extension RuntimeError {
    var fileName: String {
        switch self {
        case let .missingTensor(f, _), let .shapeMismatch(f, _, _, _), let .unusedTensors(f, _): return f
        default: return ""
        }
    }
}

extension Matrix where T == Float {
    var asLinear: Linear { .dense(weight: self, bias: nil) }
}
