import Formats
import Foundation
import LinearAlgebraCore
@testable import Quantization
import Testing

@Test(arguments: [2, 3, 4, 8], [-1, 32, 64, 128])
func roundToNearestGridProperties(bits: Int, groupSize: Int) throws {
    let w = Matrix<Float>.gaussian(rows: 12, cols: 256, seed: UInt64(bits * 1000 + groupSize + 7))
    for symmetric in [false, true] {
        let format = QuantizationFormat(bits: bits, groupSize: groupSize, symmetric: symmetric)
        let q = try roundToNearest(w, format: format, parallelism: .threads(2))
        let size = groupSize == -1 ? w.cols : groupSize
        #expect(q.groups == w.cols / size && q.scales.count == w.rows * q.groups && q.groupIndex == nil)
        let dequantized = q.dequantized()
        for r in 0..<w.rows {
            for c in 0..<w.cols {
                let g = q.group(ofColumn: c)
                #expect(g == c / size)
                let grid = q.grid(row: r, group: g)
                #expect(Int(q.codes[r * w.cols + c]) <= format.maxq)
                if symmetric { #expect(grid.zero == Float(format.maxq + 1) / 2) }
                // The grid is that of the row's group, and each weight is within half a step of its grid point.
                let start = r * w.cols + g * size
                #expect(grid == QuantizationGrid(fitting: Array(w.elements[start..<start + size]), bits: bits,
                                                 symmetric: symmetric))
                let bound = grid.scale / 2 * (1 + 8 * Float.ulpOfOne) + 4 * abs(w[r, c]) * Float.ulpOfOne
                #expect(abs(w[r, c] - dequantized[r, c]) <= bound)
            }
        }
    }
}

/// Finer groups and more bits never hurt on the same weights: the squared error decreases.
@Test func roundToNearestErrorShrinksWithBitsAndGroups() throws {
    let w = Matrix<Float>.gaussian(rows: 16, cols: 256, seed: 5)
    func error(_ format: QuantizationFormat) throws -> Double {
        let d = try roundToNearest(w, format: format).dequantized()
        return zip(w.elements, d.elements).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
    }
    let perBits = try [2, 3, 4, 8].map { try error(QuantizationFormat(bits: $0, groupSize: 64)) }
    #expect(perBits == perBits.sorted(by: >))
    let perGroup = try [-1, 128, 64, 32].map { try error(QuantizationFormat(bits: 4, groupSize: $0)) }
    #expect(perGroup == perGroup.sorted(by: >))
}

@Test func roundToNearestMatchesTheReference() throws {
    let listing = try GPTQFixtureListing.load()
    let w = try NPY.read(gptqFixtureURL("W.npy"), as: Float.self)
    for c in listing.rtn {
        let q = try roundToNearest(w, format: QuantizationFormat(bits: c.bits, groupSize: c.groupSize,
                                                                 symmetric: c.symmetric))
        #expect(q.codes.map(Int.init) == (try fixtureIntegers("\(c.name)_codes.npy")), "\(c.name)")
        #expect(q.scales == (try fixtureFloats("\(c.name)_scales.npy")), "\(c.name)")
        #expect(q.zeros == (try fixtureFloats("\(c.name)_zeros.npy")), "\(c.name)")
    }
}

@Test func roundToNearestRejectsBadArguments() throws {
    let w = Matrix<Float>.gaussian(rows: 4, cols: 64, seed: 1)
    #expect(throws: QuantizationError.unsupportedBits(argument: "format.bits", bits: 5)) {
        try roundToNearest(w, format: QuantizationFormat(bits: 5, groupSize: 32))
    }
    #expect(throws: QuantizationError.unsupportedGroupSize(argument: "format.groupSize", groupSize: 48)) {
        try roundToNearest(w, format: QuantizationFormat(bits: 4, groupSize: 48))
    }
    #expect(throws: QuantizationError.groupSizeDoesNotDivide(tensor: "q_proj", groupSize: 128, columns: 64)) {
        try roundToNearest(w, format: QuantizationFormat(bits: 4, groupSize: 128), name: "q_proj")
    }
    var bad = w
    bad[2, 7] = .nan
    #expect(throws: QuantizationError.nonFinite(tensor: "q_proj", row: 2, col: 7)) {
        try roundToNearest(bad, format: QuantizationFormat(bits: 4, groupSize: 32), name: "q_proj")
    }
    bad[2, 7] = -.infinity
    #expect(throws: QuantizationError.nonFinite(tensor: "weight", row: 2, col: 7)) {
        try roundToNearest(bad, format: QuantizationFormat(bits: 4, groupSize: 32))
    }
}
