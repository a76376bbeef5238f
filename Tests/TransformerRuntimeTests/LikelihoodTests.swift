import Foundation
import LinearAlgebraCore
import Testing
@testable import TransformerRuntime

/// Σ −log softmax(logits)[target] in Double from the full logits (the reference of the fused sweep).
func referenceNLL(_ logits: Matrix<Float>, targets: [Int]) -> Double {
    (0..<logits.rows).reduce(0.0) { acc, r in
        let row = (0..<logits.cols).map { Double(logits[r, $0]) }
        let m = row.max()!
        return acc + m + log(row.reduce(0) { $0 + exp($1 - m) }) - row[targets[r]]
    }
}

/// The fused output projection + online log-softmax equals the Double reference from the full logits, for
/// vocabulary blocks that divide the vocabulary unevenly, a single block, a soft cap, and a low-rank output with
/// a bias; serial and threaded.
@Test(arguments: [1, 7, 16, 61, 1000])
func fusedNegativeLogLikelihoodMatchesFullLogits(block: Int) throws {
    var model = try TinyCheckpoint().load()
    let tokens = [3, 17, 42, 5, 60, 0, 9, 33, 21, 8, 13, 2]
    let targets = Array(tokens[1...]) + [7]
    var none: KVCache? = nil
    for variant in 0..<3 {
        if variant == 1 { model.finalLogitSoftcap = 2 }
        if variant == 2 {
            let w = model.output.denseWeight
            model.output = .lowRank(u: w, v: Matrix.identity(w.cols), bias: (0..<w.rows).map { Float($0 % 5) / 10 })
        }
        let hidden = try model.hiddenStates(tokens: tokens, cache: &none)
        let logits = model.logits(hidden: hidden)
        for par in [Parallelism.serial, .threads(2)] {
            var m = model
            m.parallelism = par
            for rows in [0..<tokens.count, 2..<9] {
                let ref = referenceNLL(logits.submatrix(rows: rows, cols: 0..<logits.cols),
                                       targets: Array(targets[rows]))
                let fused = m.negativeLogLikelihood(hidden: hidden, rows: rows, targets: Array(targets[rows]),
                                                    vocabularyBlock: block)
                #expect(abs(fused - ref) < 1e-5 * Double(rows.count), "variant \(variant) rows \(rows)")
            }
        }
    }
}

/// Y + X Wᵀ + b in place equals the sum of Y and the layer's output, dense and low-rank.
@Test func linearForwardAddingTo() {
    let x = randomMatrix(7, 10, seed: 1), y0 = randomMatrix(7, 12, seed: 2)
    let bias = (0..<12).map { Float($0) / 7 }
    let u = randomMatrix(12, 3, seed: 3), v = randomMatrix(3, 10, seed: 4)
    for layer in [Linear.dense(weight: randomMatrix(12, 10, seed: 5), bias: bias), .lowRank(u: u, v: v, bias: nil)] {
        var y = y0
        layer.forward(x, addingTo: &y, parallelism: .threads(2))
        var ref = layer.forward(x)
        for i in ref.elements.indices { ref.elements[i] += y0.elements[i] }
        #expect(maxAbsDiff(y, ref) < 1e-5)
        #expect(layer.flops(rows: 7) == 2 * 7 * Double(layer.rank.map { $0 * 22 } ?? 120))
    }
}

/// The row kernels against plain loops, over lengths that leave SIMD remainders.
@Test func vectorRowKernels() {
    for n in [1, 3, 8, 17, 40] {
        let x = (0..<n).map { Float(sin(Double($0) * 1.3)) * 4 }, g = (0..<n).map { 1 + Float($0) / 50 }
        let b = (0..<n).map { Float($0) / 9 }
        x.withUnsafeBufferPointer { xp in
            let p = xp.baseAddress!
            #expect(VectorMath.maximum(p, count: n) == (x.max() ?? -.infinity))
            #expect(abs(VectorMath.sumOfSquares(p, count: n) - x.reduce(0) { $0 + $1 * $1 }) < 1e-4)
            #expect(abs(VectorMath.sum(p, count: n) - x.reduce(0, +)) < 1e-4)
            let ref = x.reduce(0.0) { $0 + exp(Double($1) - 1) }
            #expect(abs(VectorMath.sumOfExponentials(p, count: n, shift: 1) - ref) < 1e-5 * Swift.max(1, ref))
            var y = [Float](repeating: 0, count: n)
            g.withUnsafeBufferPointer { gp in
                b.withUnsafeBufferPointer { bp in
                    y.withUnsafeMutableBufferPointer {
                        VectorMath.normalize(p, shift: 0.5, scale: 2, gamma: gp.baseAddress!, beta: bp.baseAddress!,
                                             into: $0.baseAddress!, count: n)
                    }
                }
            }
            for i in 0..<n { #expect(abs(y[i] - ((x[i] - 0.5) * 2 * g[i] + b[i])) < 1e-5) }
        }
    }
}
