import Foundation
import Formats
import GEMM
import LinearAlgebraCore
@testable import Quantization

// Shared helpers of the quantization tests.

/// Seeded calibration data with correlated input columns of varied scale: X = (Z·M + ½E)·diag(e^{0.6 gᵢ}), Z N × 16,
/// M 16 × in, E N × in Gaussian; input columns in `dead` are zero. Returns W (out × in, Gaussian · 0.05 with 1 %
/// outliers × 8) and G = XᵀX (Double).
func correlatedLayer(rows: Int, cols: Int, samples: Int, dead: [Int] = [], seed: UInt64)
    -> (w: Matrix<Float>, gram: Matrix<Double>) {
    let z = Matrix<Double>.gaussian(rows: samples, cols: 16, seed: seed)
    let m = Matrix<Double>.gaussian(rows: 16, cols: cols, seed: seed + 1)
    let e = Matrix<Double>.gaussian(rows: samples, cols: cols, seed: seed + 2)
    let g = Matrix<Double>.gaussian(rows: 1, cols: cols, seed: seed + 3)
    var x = matmul(z, m)
    for i in 0..<samples {
        for j in 0..<cols {
            x[i, j] = dead.contains(j) ? 0 : Double(Float((x[i, j] + 0.5 * e[i, j]) * exp(0.6 * g[0, j])))
        }
    }
    let gram = matmul(x, x, transA: .transposed)
    var generator = SeededGenerator(seed: seed + 4)
    let w = Matrix<Float>(rows: rows, cols: cols) { _, _ in
        let v = Float(0.05 * generator.nextGaussian())
        return generator.nextUniform() < 0.01 ? 8 * v : v
    }
    return (w, gram)
}

/// The folder of the GPTQ reference fixture (made by Fixtures/make_gptq_fixture.py).
func gptqFixtureURL(_ file: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/gptq").appendingPathComponent(file)
}

/// cases.json of the fixture.
struct GPTQFixtureListing: Decodable {
    struct GPTQCase: Decodable, CustomStringConvertible {
        let name: String
        let bits: Int
        let groupSize: Int
        let symmetric: Bool
        let actOrder: Bool
        let blockSize: Int
        let loss: Double
        var description: String { name }
    }
    struct RTNCase: Decodable, CustomStringConvertible {
        let name: String
        let bits: Int
        let groupSize: Int
        let symmetric: Bool
        var description: String { name }
    }
    let samples: Int
    let deadColumn: Int
    let gptq: [GPTQCase]
    let rtn: [RTNCase]

    static func load() throws -> GPTQFixtureListing {
        try JSONDecoder().decode(GPTQFixtureListing.self, from: Data(contentsOf: gptqFixtureURL("cases.json")))
    }
}

/// A stored integer-valued float32 array of the fixture, as Int.
func fixtureIntegers(_ file: String) throws -> [Int] {
    try NPY.read(gptqFixtureURL(file), as: Float.self).elements.map { Int(exactly: $0)! }
}

/// A stored float32 array of the fixture.
func fixtureFloats(_ file: String) throws -> [Float] {
    try NPY.read(gptqFixtureURL(file), as: Float.self).elements
}
