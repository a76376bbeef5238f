import Foundation
import LinearAlgebraCore
@testable import Quantization
import Testing

/// On correlated inputs GPTQ's error feedback lowers the output error ‖X(W − Ŵ)ᵀ‖² well below round-to-nearest's
/// with the same grids format, at 4 and 3 bits, with and without act-order.
@Test(arguments: [4, 3], [false, true])
func gptqBeatsRoundToNearest(bits: Int, actOrder: Bool) throws {
    let (w, gram) = correlatedLayer(rows: 32, cols: 256, samples: 384, seed: 41)
    let format = QuantizationFormat(bits: bits, groupSize: 64)
    let rtn = try layerOutputError(original: w, quantized: try roundToNearest(w, format: format), gram: gram)
    let result = try gptq(weight: w, gram: gram, sampleCount: 384, params: GPTQParams(format: format, actOrder: actOrder))
    let ours = try layerOutputError(original: w, quantized: result.weights, gram: gram)
    #expect(ours < 0.7 * rtn, "\(bits) bits, act-order \(actOrder): GPTQ \(ours) vs RTN \(rtn)")
}

/// The loss GPTQ reports is ½·tr(D (H + λI) Dᵀ) with D = W − Ŵ and H = 2G/N (no dead columns here), which ties it
/// to the output error: 2·loss = (2/N)·‖X Dᵀ‖² + λ‖D‖².
@Test(arguments: [false, true])
func gptqLossIsTheDampedOutputError(actOrder: Bool) throws {
    let samples = 256
    let (w, gram) = correlatedLayer(rows: 24, cols: 128, samples: samples, seed: 9)
    let params = GPTQParams(format: QuantizationFormat(bits: 4, groupSize: 32), blockSize: 48, actOrder: actOrder)
    let result = try gptq(weight: w, gram: gram, sampleCount: samples, params: params)
    let dequantized = result.weights.dequantized()
    let output = try layerOutputError(original: w, quantized: dequantized, gram: gram)
    let squares = zip(w.elements, dequantized.elements).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
    let predicted = 2 / Double(samples) * output + result.damping * squares
    #expect(abs(2 * result.loss - predicted) <= 1e-4 * predicted, "2·loss \(2 * result.loss) vs \(predicted)")
}

@Test func gptqZeroesDeadInputs() throws {
    let (w, gram) = correlatedLayer(rows: 16, cols: 128, samples: 200, dead: [3, 90], seed: 17)
    for actOrder in [false, true] {
        for groupSize in [-1, 32] {
            let params = GPTQParams(format: QuantizationFormat(bits: 4, groupSize: groupSize), actOrder: actOrder)
            let result = try gptq(weight: w, gram: gram, sampleCount: 200, params: params)
            #expect(result.deadColumns == [3, 90])
            let d = result.weights.dequantized()
            for r in 0..<w.rows {
                #expect(d[r, 3] == 0 && d[r, 90] == 0, "row \(r): dead inputs dequantize to \(d[r, 3]), \(d[r, 90])")
            }
            if actOrder {  // diag H of the dead columns becomes 1, small here: they come last
                let p = try #require(result.permutation)
                #expect(Set(p.suffix(2)) == [3, 90])
            }
        }
    }
}

/// With act-order: groups are consecutive runs of the permutation, groupIndex says which, and dequantized() uses it.
@Test func gptqActOrderGroupIndex() throws {
    let (w, gram) = correlatedLayer(rows: 8, cols: 128, samples: 200, seed: 23)
    let params = GPTQParams(format: QuantizationFormat(bits: 3, groupSize: 32), actOrder: true)
    let result = try gptq(weight: w, gram: gram, sampleCount: 200, params: params)
    let q = result.weights
    let p = try #require(result.permutation)
    let groupIndex = try #require(q.groupIndex)
    #expect(p.sorted() == Array(0..<128))
    #expect(p != Array(0..<128))
    let diagonal = p.map { gram[$0, $0] }
    #expect(diagonal == diagonal.sorted(by: >))
    for j in 0..<128 { #expect(groupIndex[p[j]] == Int32(j / 32)) }
    #expect((0..<4).allSatisfy { g in groupIndex.filter { $0 == g }.count == 32 })
    let d = q.dequantized()
    for r in 0..<q.rows {
        for c in 0..<q.cols {
            let g = Int(groupIndex[c])
            let expected = q.scales[r * 4 + g] * (Float(q.codes[r * 128 + c]) - q.zeros[r * 4 + g])
            #expect(d[r, c] == expected)
        }
    }
    // Without the index the same codes would read the wrong grids.
    var plain = q
    plain.groupIndex = nil
    #expect(plain.dequantized() != d)
    // Per row with act-order: one group, index all zero.
    let perRow = try gptq(weight: w, gram: gram, sampleCount: 200,
                          params: GPTQParams(format: QuantizationFormat(bits: 4, groupSize: -1), actOrder: true))
    #expect(perRow.weights.groupIndex == [Int32](repeating: 0, count: 128))
}

/// The block size changes only rounding (per-row grids here: with groups, a group starting inside a block is
/// fitted on the weights as of the block start, which does depend on the block size): the loss stays the same to
/// float32 accuracy, though single code flips cascade through the error feedback.
@Test func gptqBlockSizeChangesOnlyRounding() throws {
    let (w, gram) = correlatedLayer(rows: 16, cols: 256, samples: 300, seed: 31)
    let params = GPTQParams(format: QuantizationFormat(bits: 4, groupSize: -1))
    let reference = try gptq(weight: w, gram: gram, sampleCount: 300, params: params)
    for blockSize in [1, 32, 100, 256] {
        var other = params
        other.blockSize = blockSize
        let result = try gptq(weight: w, gram: gram, sampleCount: 300, params: other)
        let differ = zip(reference.weights.codes, result.weights.codes).filter { $0 != $1 }.count
        #expect(differ <= reference.weights.codes.count / 100, "block \(blockSize): \(differ) codes differ")
        #expect(abs(result.loss - reference.loss) <= 1e-4 * reference.loss)
    }
}

/// gptq.py's quirk, kept: a group that starts inside a block is fitted on W as of the block start. With blocks of 64
/// and groups of 32, group 1 (columns 32..<64) lies in the first block, so its grids are those of the original
/// weights (round-to-nearest's); with blocks of 32 it starts a block and sees the updates from columns 0..<32.
@Test func gptqFitsGroupsOnTheWeightsAsOfTheBlockStart() throws {
    let (w, gram) = correlatedLayer(rows: 8, cols: 128, samples: 200, seed: 13)
    let format = QuantizationFormat(bits: 4, groupSize: 32)
    let rtn = try roundToNearest(w, format: format)
    let inside = try gptq(weight: w, gram: gram, sampleCount: 200, params: GPTQParams(format: format, blockSize: 64))
    let starting = try gptq(weight: w, gram: gram, sampleCount: 200, params: GPTQParams(format: format, blockSize: 32))
    for r in 0..<w.rows {
        #expect(inside.weights.grid(row: r, group: 0) == rtn.grid(row: r, group: 0))
        #expect(inside.weights.grid(row: r, group: 1) == rtn.grid(row: r, group: 1))
        #expect(starting.weights.grid(row: r, group: 0) == rtn.grid(row: r, group: 0))
        #expect(starting.weights.grid(row: r, group: 1) != rtn.grid(row: r, group: 1))
    }
}

@Test func gptqRejectsBadArguments() throws {
    let (w, gram) = correlatedLayer(rows: 4, cols: 64, samples: 100, seed: 3)
    func run(_ w: Matrix<Float>, _ gram: Matrix<Double>, samples: Int = 100, _ params: GPTQParams) throws {
        _ = try gptq(weight: w, gram: gram, sampleCount: samples, params: params, name: "layers.0.mlp.up_proj")
    }
    let ok = GPTQParams(format: QuantizationFormat(bits: 4, groupSize: 32))
    #expect(throws: QuantizationError.unsupportedBits(argument: "params.format.bits", bits: 6)) {
        try run(w, gram, GPTQParams(format: QuantizationFormat(bits: 6, groupSize: 32)))
    }
    #expect(throws: QuantizationError.unsupportedGroupSize(argument: "params.format.groupSize", groupSize: 0)) {
        try run(w, gram, GPTQParams(format: QuantizationFormat(bits: 4, groupSize: 0)))
    }
    #expect(throws: QuantizationError.groupSizeDoesNotDivide(tensor: "layers.0.mlp.up_proj", groupSize: 128,
                                                             columns: 64)) {
        try run(w, gram, GPTQParams(format: QuantizationFormat(bits: 4, groupSize: 128)))
    }
    #expect(throws: QuantizationError.invalidArgument(name: "params.blockSize", reason: "must be ≥ 1, got 0")) {
        try run(w, gram, GPTQParams(format: ok.format, blockSize: 0))
    }
    #expect(throws: QuantizationError.self) { try run(w, gram, GPTQParams(format: ok.format, percdamp: -1)) }
    #expect(throws: QuantizationError.self) { try run(w, gram, samples: 0, ok) }
    var nanWeight = w
    nanWeight[1, 5] = .nan
    #expect(throws: QuantizationError.nonFinite(tensor: "layers.0.mlp.up_proj", row: 1, col: 5)) {
        try run(nanWeight, gram, ok)
    }
    var infGram = gram
    infGram[0, 9] = .infinity
    #expect(throws: QuantizationError.nonFinite(tensor: "layers.0.mlp.up_proj.gram", row: 0, col: 9)) {
        try run(w, infGram, ok)
    }
    let small = Matrix<Double>.identity(32)
    #expect(throws: QuantizationError.gramSizeMismatch(tensor: "layers.0.mlp.up_proj.gram", expected: 64, rows: 32,
                                                       cols: 32)) {
        try run(w, small, ok)
    }
    // Indefinite even after 1 % damping: a large negative eigenvalue.
    var indefinite = gram
    for i in 0..<64 { indefinite[i, i] -= 10 * gram[i, i] }
    indefinite[0, 0] = gram[0, 0]
    let error = #expect(throws: QuantizationError.self) { try run(w, indefinite, ok) }
    guard case let .notPositiveDefinite(tensor, _, _) = error else {
        Issue.record("expected notPositiveDefinite, got \(String(describing: error))")
        return
    }
    #expect(tensor == "layers.0.mlp.up_proj.gram")
}

@Test func layerOutputErrorIsTheTraceForm() throws {
    let x = Matrix<Double>.gaussian(rows: 50, cols: 16, seed: 2)
    let gram = matmulReference(x, x, transA: true)
    let w = Matrix<Float>.gaussian(rows: 5, cols: 16, seed: 3)
    let q = Matrix<Float>.gaussian(rows: 5, cols: 16, seed: 4)
    var direct = 0.0  // ‖X(W − Q)ᵀ‖²
    for n in 0..<50 {
        for r in 0..<5 {
            var s = 0.0
            for c in 0..<16 { s += x[n, c] * (Double(w[r, c]) - Double(q[r, c])) }
            direct += s * s
        }
    }
    let value = try layerOutputError(original: w, quantized: q, gram: gram)
    #expect(abs(value - direct) <= 64 * Double.ulpOfOne * direct)
    #expect(throws: QuantizationError.shapeMismatch(tensor: "o_proj.quantized", expected: "5×16", got: "4×16")) {
        try layerOutputError(original: w, quantized: Matrix<Float>(rows: 4, cols: 16), gram: gram, name: "o_proj")
    }
}

/// op(A)·B in Double by dot products (independent of GEMM).
func matmulReference(_ a: Matrix<Double>, _ b: Matrix<Double>, transA: Bool) -> Matrix<Double> {
    let left = transA ? a.transposed() : a
    return Matrix(rows: left.rows, cols: b.cols) { i, j in
        (0..<left.cols).reduce(0.0) { $0 + left[i, $1] * b[$1, j] }
    }
}
