import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats
@testable import TransformerRuntime

/// Where a SmolLM2-shaped forward spends its time (printed): the GEMMs of one block, attention, the output
/// projection, and the elementwise work. Shapes: 512 tokens, hidden 576, MLP 1536, 9 × 64 query heads.
@Test func runtimeProfileReport() throws {
    #if DEBUG
    let t = 32
    #else
    let t = 512
    #endif
    let par = Parallelism.threads(2)
    func time(_ label: String, flops: Double, _ body: () -> Void) {
        body()
        let reps = 3
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<reps { body() }
        let s = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(reps)
        print(String(format: "profile %@: %.2f ms, %.1f GFLOP/s", label, s * 1e3, flops / s / 1e9))
    }
    let x = randomMatrix(t, 576, seed: 1), w = Linear.dense(weight: randomMatrix(1536, 576, seed: 2), bias: nil)
    let wd = Linear.dense(weight: randomMatrix(576, 1536, seed: 3), bias: nil), g = randomMatrix(t, 1536, seed: 4)
    time("gate \(t)×576→1536", flops: 2 * Double(t * 576 * 1536)) { _ = w.forward(x, parallelism: par) }
    time("down \(t)×1536→576", flops: 2 * Double(t * 576 * 1536)) { _ = wd.forward(g, parallelism: par) }
    let head = Linear.dense(weight: randomMatrix(49152, 576, seed: 5), bias: nil)
    let x64 = randomMatrix(64, 576, seed: 6)
    time("lm_head 64×576→49152", flops: 2 * Double(64 * 576 * 49152)) { _ = head.forward(x64, parallelism: par) }
    let x1 = randomMatrix(1, 576, seed: 7)
    time("lm_head GEMV 576→49152", flops: 2 * Double(576 * 49152)) { _ = head.forward(x1, parallelism: par) }
    time("gate GEMV 576→1536", flops: 2 * Double(576 * 1536)) { _ = w.forward(x1, parallelism: par) }
    let q = randomMatrix(t, 576, seed: 8), k = randomMatrix(t, 192, seed: 9), v = randomMatrix(t, 192, seed: 10)
    time("attention \(t) tokens", flops: 2 * 2 * 9 * 64 * Double(t * t) / 2) {
        _ = Attention.forward(q: q, keys: k, values: v, heads: 9, kvHeads: 3, headDim: 64, firstPosition: 0,
                              window: nil, scale: 0.125, softcap: nil, parallelism: par)
    }
    var gg = g
    time("SiLU gate", flops: Double(t * 1536)) { Activation.silu.gated(&gg, times: g, parallelism: par) }
    var xx = x
    time("RMSNorm", flops: Double(t * 576)) { RMSNorm(gamma: Array(repeating: 1, count: 576), eps: 1e-5).apply(to: &xx) }
    var qq = q
    let rope = try RotaryEmbedding(headDim: 64, theta: 1e5)
    time("RoPE q", flops: Double(t * 576)) { rope.apply(to: &qq, firstPosition: 0) }
}
