import Formats
import Foundation
import LinearAlgebraCore
@testable import Quantization
import Testing

/// GPTQ against the Python reference (Fixtures/make_gptq_fixture.py, a re-implementation of IST-DASLab gptq.py's
/// fasterquant in torch float32 with the Hessian in float64, as ours): every code, scale, zero and g_idx equal,
/// the loss to float32 summation accuracy; with one thread and with several.
@Test(arguments: try GPTQFixtureListing.load().gptq)
func gptqMatchesTheReference(_ c: GPTQFixtureListing.GPTQCase) throws {
    let listing = try GPTQFixtureListing.load()
    let w = try NPY.read(gptqFixtureURL("W.npy"), as: Float.self)
    let gram = try NPY.read(gptqFixtureURL("gram.npy"), as: Double.self)
    let params = GPTQParams(format: QuantizationFormat(bits: c.bits, groupSize: c.groupSize, symmetric: c.symmetric),
                            blockSize: c.blockSize, actOrder: c.actOrder)
    let serial = try gptq(weight: w, gram: gram, sampleCount: listing.samples, params: params)
    let q = serial.weights
    let codes = try fixtureIntegers("\(c.name)_codes.npy")
    let mismatches = zip(q.codes.map(Int.init), codes).filter { $0 != $1 }.count
    #expect(mismatches == 0, "\(c.name): \(mismatches) of \(codes.count) codes differ")
    #expect(q.scales == (try fixtureFloats("\(c.name)_scales.npy")))
    #expect(q.zeros == (try fixtureFloats("\(c.name)_zeros.npy")))
    if c.actOrder {
        #expect(q.groupIndex?.map(Int.init) == (try fixtureIntegers("\(c.name)_gidx.npy")))
    } else {
        #expect(q.groupIndex == nil)
    }
    #expect(abs(serial.loss - c.loss) <= 1e-5 * c.loss, "loss \(serial.loss) vs \(c.loss)")
    #expect(serial.deadColumns == [listing.deadColumn])

    let threaded = try gptq(weight: w, gram: gram, sampleCount: listing.samples, params: params,
                            parallelism: .threads(3))
    #expect(threaded == serial)
}
