import Foundation
import Testing
@testable import TransformerRuntime

/// SIMD exp within 4 ulp of Foundation's over the range the kernels use; the SIMD gates equal the scalar
/// activations; log-sum-exp against a Double sum.
@Test func vectorMathAgainstFoundation() {
    var worst: Float = 0
    for i in 0..<20_001 {
        let x = -87 + Float(i) * (175 / 20_000)
        let ref = Foundation.exp(Double(x))
        worst = max(worst, Float(abs(Double(VectorMath.exp(x)) - ref) / ref))
    }
    #expect(worst < 4 * Float.ulpOfOne)
    let n = 29
    let xs = (0..<n).map { Float($0 - 14) * 0.37 }, us = (0..<n).map { 1 + Float($0) * 0.01 }
    for act in [Activation.silu, .geluTanh] {
        var g = xs
        g.withUnsafeMutableBufferPointer { gp in
            us.withUnsafeBufferPointer { up in
                if act == .silu { VectorMath.siluGate(gp.baseAddress!, up.baseAddress!, count: n) }
                else { VectorMath.geluTanhGate(gp.baseAddress!, up.baseAddress!, count: n) }
            }
        }
        for i in 0..<n { #expect(abs(g[i] - act(xs[i]) * us[i]) < 1e-5 * max(1, abs(g[i]))) }
    }
    let row = (0..<1003).map { Float(sin(Double($0))) * 20 }
    let ref = log(row.reduce(0.0) { $0 + exp(Double($1)) })
    #expect(abs(row.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: row.count) } - ref) < 1e-5)
}
