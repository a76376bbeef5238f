import Foundation
import LinearAlgebraCore
@testable import Quantization
import Testing

@Test func gridRoundsHalfToEven() {
    // scale 1, zero 8 (values −1 … +1 on 4 bits: scale 2/15; use an explicit grid instead).
    let grid = QuantizationGrid(scale: 1, zero: 8, maxq: 15)
    #expect(grid.code(0.5) == 8)    // 0.5 → 0
    #expect(grid.code(1.5) == 10)   // 1.5 → 2
    #expect(grid.code(2.5) == 10)   // 2.5 → 2
    #expect(grid.code(-0.5) == 8)   // −0.5 → −0
    #expect(grid.code(-1.5) == 6)   // −1.5 → −2
    #expect(grid.code(100) == 15)   // clamped
    #expect(grid.code(-100) == 0)
    #expect(grid.value(ofCode: 10) == 2)
}

@Test(arguments: [2, 3, 4, 8])
func asymmetricGridFormulas(bits: Int) {
    let maxq = Float((1 << bits) - 1)
    let values: [Float] = [-0.3, 0.1, 0.7, -0.05, 0.2]
    let grid = QuantizationGrid(fitting: values, bits: bits, symmetric: false)
    #expect(grid.maxq == maxq)
    #expect(grid.scale == (Float(0.7) - Float(-0.3)) / maxq)
    #expect(grid.zero == (Float(0.3) / grid.scale).rounded(.toNearestOrEven))
    // Range widened to contain 0: all positive values still have zero = 0.
    let positive = QuantizationGrid(fitting: [0.2, 0.4], bits: bits, symmetric: false)
    #expect(positive.zero == 0 && positive.scale == Float(0.4) / maxq)
    let negative = QuantizationGrid(fitting: [-0.2, -0.4], bits: bits, symmetric: false)
    #expect(negative.zero == maxq && negative.scale == Float(0.4) / maxq)
    // All zero: the ±1 grid.
    let flat = QuantizationGrid(fitting: [0, 0, 0], bits: bits, symmetric: false)
    #expect(flat.scale == 2 / maxq && flat.zero == (1 / flat.scale).rounded(.toNearestOrEven))
}

@Test(arguments: [2, 3, 4, 8])
func symmetricGridFormulas(bits: Int) {
    let maxq = Float((1 << bits) - 1)
    let grid = QuantizationGrid(fitting: [-0.3, 0.1, 0.7], bits: bits, symmetric: true)
    #expect(grid.scale == (Float(0.7) + Float(0.7)) / maxq)
    #expect(grid.zero == (maxq + 1) / 2)
    let wide = QuantizationGrid(fitting: [-0.9, 0.1, 0.7], bits: bits, symmetric: true)
    #expect(wide.scale == (Float(0.9) + Float(0.9)) / maxq)
    // quant.py keeps x_min = 0 when nothing is negative.
    let positive = QuantizationGrid(fitting: [0.2, 0.4], bits: bits, symmetric: true)
    #expect(positive.scale == Float(0.4) / maxq && positive.zero == (maxq + 1) / 2)
    #expect([Float(2), 4, 8, 128].contains(grid.zero))
}

/// Every value of the fitted group is within scale/2 of its grid point (up to the rounding of x/scale and of the
/// dequantization), for asymmetric and symmetric grids.
@Test(arguments: [2, 3, 4, 8], [false, true])
func gridErrorIsAtMostHalfAStep(bits: Int, symmetric: Bool) {
    var generator = SeededGenerator(seed: UInt64(bits))
    for _ in 0..<50 {
        let values = (0..<64).map { _ in Float(generator.nextGaussian()) }
        let grid = QuantizationGrid(fitting: values, bits: bits, symmetric: symmetric)
        for x in values {
            let q = grid.code(x)
            #expect(q >= 0 && q <= grid.maxq && q == q.rounded())
            let bound = grid.scale / 2 * (1 + 8 * Float.ulpOfOne) + 4 * x.magnitude * Float.ulpOfOne
            #expect(abs(x - grid.quantized(x)) <= bound, "x = \(x), scale = \(grid.scale)")
        }
    }
}
