import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

private let kernelTypes = GGMLType.allCases.filter(\.canDequantize)

private func decode(_ type: GGMLType, _ bytes: [UInt8], _ variant: DequantizeVariant) throws -> [Float] {
    let n = bytes.count / type.typeSize * type.blockSize
    var out = [Float](repeating: .nan, count: n)
    try bytes.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { try Dequantize.decode(type, src, into: $0, variant: variant) }
    }
    return out
}

/// The SIMD path equals the scalar reference bit for bit, on blocks with ordinary scales and on fully random
/// bytes (NaN/∞ scales included), for block counts that exercise the SIMD tails of the scalar types.
@Test(arguments: kernelTypes)
func dequantizeSIMDMatchesReference(type: GGMLType) throws {
    for (seed, count) in [(UInt64(1), 1), (2, 3), (3, 17), (4, 64), (5, 33)] {
        let blocks = TestGGUFWriter.randomBlocks(type, count: count, seed: seed)
        #expect(bitIdentical(try decode(type, blocks, .simd), try decode(type, blocks, .reference)), "seed \(seed)")
        var g = SeededGenerator(seed: seed &+ 100)
        let noise = (0..<blocks.count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        #expect(bitIdentical(try decode(type, noise, .simd), try decode(type, noise, .reference)), "noise \(seed)")
    }
}

/// Random blocks decoded by gguf-py (Fixtures/gguf/random_*.bin → random_*.f32) decode identically here.
@Test func dequantizeMatchesGGUFPyOnRandomBlocks() throws {
    let manifest = try #require(try fixtureJSON("gguf/manifest.json") as? [String: Any])
    let entries = try #require(manifest["random_blocks"] as? [[String: Any]])
    #expect(Set(entries.compactMap { $0["type"] as? String }) == Set(kernelTypes.filter { $0 != .f32 }.map(\.description)))
    for e in entries {
        let type = try #require(GGMLType(name: e["type"] as! String))
        let blocks = try [UInt8](Data(contentsOf: fixtureURL("gguf/" + (e["blocks"] as! String))))
        #expect(blocks.count == (e["block_count"] as! Int) * type.typeSize)
        let expected = try fixtureFloats("gguf/" + (e["expected"] as! String))
        for v in DequantizeVariant.allCases {
            #expect(bitIdentical(try decode(type, blocks, v), expected), "\(type) \(v)")
        }
    }
}

@Test func dequantizeDecodeValidatesSizes() {
    let bytes = [UInt8](repeating: 0, count: 35)
    var out = [Float](repeating: 0, count: 32)
    #expect(throws: FormatError.self) {
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.decode(.q8_0, src, into: $0) }
        }
    }
    #expect(throws: FormatError.self) {
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.decode(.q2_K, src, into: $0) }
        }
    }
    #expect(Dequantize.kernel(for: .iq4_XS) == nil)
}

/// Hand-built blocks with known values, one per family, so a layout mistake cannot hide behind random data.
@Test func dequantizeKnownBlocks() throws {
    let one: UInt16 = 0x3C00, half: UInt16 = 0x3800   // 1.0 and 0.5 as F16
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    // Q4_0: byte j = (j+1 mod 16) << 4 | j → element j = j − 8, element j + 16 = ((j+1) % 16) − 8.
    var q40 = le16(half)
    q40 += (0..<16).map { UInt8(($0 + 1) % 16) << 4 | UInt8($0) }
    let x40 = try decode(.q4_0, q40, .simd)
    #expect(x40[3] == 0.5 * -5 && x40[16 + 15] == 0.5 * -8 && x40[16] == 0.5 * -7)
    // Q5_1 with qh = bit 1 and bit 17 set: elements 1 and 17 get +16.
    var q51 = le16(one) + le16(half) + [0b10, 0, 0b10, 0]
    q51 += [UInt8](repeating: 0x21, count: 16)   // low nibble 1, high nibble 2
    let x51 = try decode(.q5_1, q51, .reference)
    #expect(x51[0] == 1.5 && x51[1] == 17.5 && x51[16] == 2.5 && x51[17] == 18.5)
    // Q6_K: all codes 32 (value 0) except ql[0] low nibble = 5 (q = 37 → 5), scale[0] = 3, d = 0.5.
    var q6 = [UInt8](repeating: 0, count: 210)
    for i in 0..<128 { q6[i] = 0x00 }
    for i in 128..<192 { q6[i] = 0b1010_1010 }   // high bits 2 → +32 for all four groups
    q6[0] = 5
    for i in 192..<208 { q6[i] = 3 }
    q6[208] = UInt8(half & 0xFF); q6[209] = UInt8(half >> 8)
    let x6 = try decode(.q6_K, q6, .simd)
    #expect(x6[0] == 1.5 * 5 && x6[1] == 0 && x6.dropFirst().allSatisfy { $0 == 0 })
    // Q4_K: scale/min of sub-block 5 come from the packed high bits.
    var q4k = le16(one) + le16(one)
    var scales = [UInt8](repeating: 0, count: 12)
    scales[1] = 0b01_000000 | 2   // sub-block 1: scale 2; high bits of sub-block 5's scale = 1
    scales[9] = 0x31               // sub-block 5: scale low nibble 1, min low nibble 3
    q4k += scales + [UInt8](repeating: 0x11, count: 128)
    let x4k = try decode(.q4_K, q4k, .simd)
    // Element 32 (sub-block 1): 2·1 − 0. Element 160 (sub-block 5, pair 2 high nibble): (16 + 1)·1 − 3.
    #expect(x4k[32] == 2 && x4k[160] == 17 - 3)
}

@Test func halfPrecisionConversions() {
    // Every F16 bit pattern: the software conversion agrees with Float16 (NaNs: both NaN).
    for bits in 0...UInt16.max {
        let soft = HalfPrecision.softFloat(fromF16: bits), hard = HalfPrecision.float(fromF16: bits)
        #expect(soft.bitPattern == hard.bitPattern || (soft.isNaN && hard.isNaN))
        if !hard.isNaN {
            #expect(HalfPrecision.f16Bits(hard) == bits)
            #expect(HalfPrecision.softF16Bits(hard) == bits)
        }
    }
    // Rounding to nearest even on narrowing, against Float16's own conversion.
    var g = SeededGenerator(seed: 7)
    for _ in 0..<20_000 {
        let x = Float(bitPattern: UInt32(truncatingIfNeeded: g.next()))
        guard !x.isNaN else { continue }
        #expect(HalfPrecision.softF16Bits(x) == HalfPrecision.f16Bits(x), "\(x)")
    }
    // BF16: ties to even, NaN stays NaN.
    #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)
    #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)
    #expect(HalfPrecision.bf16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(HalfPrecision.float(fromBF16: HalfPrecision.bf16Bits(.nan)).isNaN)
    #expect(HalfPrecision.float(fromBF16: 0x3F80) == 1)
}
