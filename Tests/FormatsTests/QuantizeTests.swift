import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

private func quantize(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: x.count / type.blockSize * type.typeSize)
    try x.withUnsafeBufferPointer { src in
        try out.withUnsafeMutableBytes { try Quantize.encode(type, src, into: $0) }
    }
    return out
}

private func dequantize(_ type: GGMLType, _ bytes: [UInt8], _ variant: DequantizeVariant = .simd) throws -> [Float] {
    var out = [Float](repeating: .nan, count: bytes.count / type.typeSize * type.blockSize)
    try bytes.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { try Dequantize.decode(type, src, into: $0, variant: variant) }
    }
    return out
}

/// Seeded blocks of Gaussian values with a different scale per block (10⁻³ … 10), so d runs over F16's normal range.
private func gaussianBlocks(_ blocks: Int, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    var x = [Float]()
    for _ in 0..<blocks {
        let scale = Float(pow(10, 4 * g.nextUniform() - 3))
        for _ in 0..<32 { x.append(Float(g.nextGaussian()) * scale) }
    }
    return x
}

/// Q8_0 round trip on 3,000 seeded blocks: |x − x̂| ≤ d/2 + 127·|d − d₁₆| with d = max|x|/127 per block, which is
/// ≤ d·(1/2 + 127·2⁻¹¹) when d is a normal F16 (≥ 2⁻¹⁴; see QuantizeQ8_0.swift). Both dequantizers agree.
@Test func q8_0RoundTripIsWithinItsBound() throws {
    let x = gaussianBlocks(3000, seed: 11)
    let bytes = try quantize(.q8_0, x)
    let y = try dequantize(.q8_0, bytes)
    #expect(FixtureFiles.bitIdentical(y, try dequantize(.q8_0, bytes, .reference)))
    var worst: Float = 0, normal = 0
    for b in 0..<3000 {
        let block = x[(32 * b)..<(32 * b + 32)]
        let d = block.map(abs).max()! / 127
        let d16 = Float(Float16(d))
        let slack = 1e-6 * d * 127   // Float rounding of x·(1/d)
        if d >= 0x1p-14 { normal += 1 }
        for i in block.indices {
            let err = abs(x[i] - y[i])
            #expect(err <= d / 2 + 127 * abs(d - d16) + slack, "block \(b), element \(i)")
            if d >= 0x1p-14 { #expect(err <= d * (0.5 + 127.0 / 2048) + slack, "block \(b), element \(i)") }
            worst = max(worst, err / d)
        }
    }
    #expect(normal > 2000, "most blocks have a normal F16 scale (\(normal))")
    #expect(worst > 0.45, "the bound is nearly reached (\(worst)·d), so the test has teeth")
}

/// Q4_0 round trip on 3,000 seeded blocks: |x − x̂| ≤ |d| + 8·|d − d₁₆|, and ≤ |d|/2 + 8·|d − d₁₆| outside the
/// clamped range x/d ≥ 7.5, with d = m/−8 (m the value of largest magnitude); for a normal F16 scale that is
/// ≤ |d|·(1 + 2⁻⁸) (see QuantizeQ4_0.swift). The value m itself is decoded as −8·d₁₆.
@Test func q4_0RoundTripIsWithinItsBound() throws {
    let x = gaussianBlocks(3000, seed: 12)
    let bytes = try quantize(.q4_0, x)
    let y = try dequantize(.q4_0, bytes)
    #expect(FixtureFiles.bitIdentical(y, try dequantize(.q4_0, bytes, .reference)))
    var clampedSeen = 0
    for b in 0..<3000 {
        let block = Array(x[(32 * b)..<(32 * b + 32)])
        let m = block[block.indices.max { abs(block[$0]) < abs(block[$1]) }!]
        let d = m / -8
        let d16 = Float(Float16(d))
        let slack = 1e-6 * abs(m)
        for (i, v) in block.enumerated() {
            let err = abs(v - y[32 * b + i])
            let clamped = v / d >= 7.5
            if clamped { clampedSeen += 1 }
            #expect(err <= abs(d) * (clamped ? 1 : 0.5) + 8 * abs(d - d16) + slack, "block \(b), element \(i)")
            if abs(d) >= 0x1p-14 { #expect(err <= abs(d) * (1 + 1.0 / 256) + slack, "block \(b), element \(i)") }
            if v == m { #expect(y[32 * b + i] == -8 * d16) }
        }
    }
    #expect(clampedSeen > 0, "the clamped range is exercised")
}

/// Hand-computed blocks: every byte of the encoding.
@Test func quantizeKnownBlocks() throws {
    // Q8_0: amax 127 → d = 1 (F16 0x3C00); q = round(x), halves away from zero.
    var x8: [Float] = [127, -127, 0, 0.5, -0.5, 1.49, -2.5, 63.5]
    x8 += (8..<32).map { Float($0 - 16) }
    let q8 = try quantize(.q8_0, x8)
    var expected8: [UInt8] = [0x00, 0x3C, 0x7F, 0x81, 0x00, 0x01, 0xFF, 0x01, 0xFD, 0x40]
    expected8 += (8..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
    #expect(q8 == expected8)
    #expect(try dequantize(.q8_0, q8) == [127, -127, 0, 1, -1, 1, -3, 64] + (8..<32).map { Float($0 - 16) })

    // Q4_0: x₀ = −8 is the first value of largest magnitude (x₁₆ = +8 ties and loses) → d = −8/−8 = 1 (0x3C00);
    // q = min(15, ⌊x + 8.5⌋). Elements 0..<16 are j − 8 → q = j; elements 16..<32 as listed.
    let low = (0..<16).map { Float($0 - 8) }
    let high: [Float] = [8, -7.5, 0.49, 0.5, -0.5, 2.7, 7.4, 7.6, -3.2, 1, 0, 0, 0, 0, 0, 0]
    let highCodes: [UInt8] = [15, 1, 8, 9, 8, 11, 15, 15, 5, 9, 8, 8, 8, 8, 8, 8]
    let q4 = try quantize(.q4_0, low + high)
    #expect(q4 == [0x00, 0x3C] + (0..<16).map { UInt8($0) | highCodes[$0] << 4 })
    #expect(try dequantize(.q4_0, q4) == low + highCodes.map { Float(Int($0) - 8) })

    // A positive m gives a negative d: m = 4 → d = −0.5 (F16 0xB800), m decodes to code 0 = −8·d = 4.
    let q4n = try quantize(.q4_0, [4] + [Float](repeating: 0, count: 31))
    #expect(q4n == [0x00, 0xB8, 0x80] + [UInt8](repeating: 0x88, count: 15))
    // All zeros: d = 0/−8 = −0 (F16 0x8000, as ggml writes it), every code 8.
    #expect(try quantize(.q4_0, [Float](repeating: 0, count: 32)) == [0x00, 0x80] + [UInt8](repeating: 0x88, count: 16))
    #expect(try quantize(.q8_0, [Float](repeating: 0, count: 32)) == [UInt8](repeating: 0, count: 34))
}

/// F32 is exact; F16 and BF16 round to nearest even and read back as the same rounding.
@Test func quantizeFloatTypesRoundTrip() throws {
    let x: [Float] = [0, -0, 1, -2.5, 65504, 1e-8, 3.14159, -1e30]
    #expect(try dequantize(.f32, try quantize(.f32, x)).map(\.bitPattern) == x.map(\.bitPattern))
    #expect(try dequantize(.f16, try quantize(.f16, x)) == x.map { Float(Float16($0)) })
    let bf = try dequantize(.bf16, try quantize(.bf16, x))
    for (a, b) in zip(x, bf) { #expect(abs(a - b) <= abs(a) / 256) }
}

@Test func quantizeRefusesUnsupportedTypesAndSizes() throws {
    let x = [Float](repeating: 1, count: 256)
    #expect(throws: FormatError.unsupported(file: "<memory>", field: "type", value: "Q4_K (no quantization kernel)")) {
        _ = try quantize(.q4_K, x)
    }
    var out = [UInt8](repeating: 0, count: 33)
    #expect(throws: FormatError.self) {
        try x.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBytes { try Quantize.encode(.q8_0, UnsafeBufferPointer(rebasing: src[0..<32]), into: $0) }
        }
    }
    #expect(Quantize.supportedTypes.allSatisfy { Quantize.kernel(for: $0) != nil && $0.canDequantize })
}
