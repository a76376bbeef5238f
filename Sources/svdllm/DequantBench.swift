import Foundation
import SVDLLMKit

/// `svdllm bench dequant`: every GGUF dequantization kernel, the scalar reference and the SIMD path side by side.
///
/// Shapes are output element counts (rounded up to whole blocks). The two variants are timed alternately, so both
/// see the same machine state; each sample loops the kernel until it has run ≈ 2 ms, and the best sample counts.
/// Reported per variant: ns per block, output GB/s (4 bytes per element) and, on the SIMD line,
/// `vs_reference` = reference time / SIMD time (> 1: the SIMD path is faster).
struct DequantBench {
    let options: BenchCommand

    func run() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        let elementCounts = try ShapeList.parse(options.shapes ?? "16384,4194304", dimensions: 1).map { $0[0] }
        let variants: [DequantizeVariant] = try {
            if options.variant == "all" { return DequantizeVariant.allCases }
            guard let v = DequantizeVariant(rawValue: options.variant) else {
                let names = DequantizeVariant.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError("--variant: unknown '\(options.variant)' for dequant; choose from \(names), all")
            }
            return [v]
        }()
        for type in try Self.types(options.types) {
            for elements in elementCounts {
                let blockCount = (elements + type.blockSize - 1) / type.blockSize
                let blocks = Self.sampleBlocks(type, count: blockCount, seed: 11)
                var output = [Float](repeating: 0, count: blockCount * type.blockSize)
                let seconds = blocks.withUnsafeBytes { src in
                    output.withUnsafeMutableBufferPointer { dst in
                        Self.time(type, variants, blocks: src, out: dst, repeats: options.repeats)
                    }
                }
                for (v, t) in zip(variants, seconds) {
                    var r = BenchRecord(kernel: "dequant", variant: v.rawValue, shape: [blockCount * type.blockSize],
                                        dtype: type.description, threads: 1, seconds: t, flops: nil)
                    r.nsPerBlock = (t / Double(blockCount) * 1e13).rounded() / 1e4
                    r.outGBPerSecond = (Double(4 * blockCount * type.blockSize) / t / 1e9 * 100).rounded() / 100
                    if v == .simd, let i = variants.firstIndex(of: .reference) {
                        r.vsReference = (seconds[i] / t * 1000).rounded() / 1000
                    }
                    options.emit(r)
                    out.append(r)
                }
            }
        }
        return out
    }

    /// The types named by `--types` (comma-separated ggml names), or every type with a kernel.
    static func types(_ list: String?) throws -> [GGMLType] {
        guard let list else { return GGMLType.allCases.filter(\.canDequantize) }
        return try list.split(separator: ",").map { name in
            guard let t = GGMLType(name: String(name)), t.canDequantize else {
                let names = GGMLType.allCases.filter(\.canDequantize).map(\.description).joined(separator: ",")
                throw CLIError("--types: '\(name)' has no dequantization kernel; choose from \(names)")
            }
            return t
        }
    }

    /// The best time of one kernel call per variant (seconds), variants sampled alternately.
    static func time(_ type: GGMLType, _ variants: [DequantizeVariant], blocks: UnsafeRawBufferPointer,
                     out: UnsafeMutableBufferPointer<Float>, repeats: Int) -> [Double] {
        let kernels = variants.map { Dequantize.kernel(for: type, variant: $0)! }
        let n = blocks.count / type.typeSize
        let src = blocks.baseAddress!, dst = out.baseAddress!
        // Calls per sample: ≈ 2 ms at 1 ns per output element (every kernel here is faster).
        let calls = Swift.max(1, 2_000_000 / out.count)
        for k in kernels { k(src, dst, n) }   // warm up: page in the output, load the code
        var best = [Double](repeating: .infinity, count: kernels.count)
        for _ in 0..<Swift.max(1, repeats) {
            for (i, k) in kernels.enumerated() {
                let t = Stopwatch.seconds { for _ in 0..<calls { k(src, dst, n) } }
                best[i] = Swift.min(best[i], t / Double(calls))
            }
        }
        return best
    }

    /// `count` blocks of `type` with uniformly random codes and sane scales (F16 scales in ±[2⁻¹⁰, 1), finite
    /// and normal, as a real model has; F16/BF16 elements are random values in (−1, 1)).
    static func sampleBlocks(_ type: GGMLType, count: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        var bytes = (0..<count * type.typeSize).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        func scale() -> UInt16 {
            let x = Float(g.nextUniform() * 0.999 + 0.001) * (g.next() & 1 == 0 ? 1 : -1)
            return Float16(x).bitPattern
        }
        func put(_ v: UInt16, at offset: Int) {
            bytes[offset] = UInt8(v & 0xFF)
            bytes[offset + 1] = UInt8(v >> 8)
        }
        // Byte offsets of the F16 scale fields within one block.
        let scaleOffsets: [Int]
        switch type {
        case .q4_0, .q5_0, .q8_0: scaleOffsets = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: scaleOffsets = [0, 2]
        case .q6_K: scaleOffsets = [208]
        case .f16: scaleOffsets = [0]
        case .bf16:
            for b in 0..<count {
                let x = Float(g.nextUniform() * 2 - 1)
                put(UInt16(x.bitPattern >> 16), at: 2 * b)
            }
            return bytes
        case .f32:
            for b in 0..<count {
                let x = Float(g.nextUniform() * 2 - 1).bitPattern
                for i in 0..<4 { bytes[4 * b + i] = UInt8(truncatingIfNeeded: x >> (8 * UInt32(i))) }
            }
            return bytes
        default: scaleOffsets = []
        }
        for b in 0..<count {
            for o in scaleOffsets { put(scale(), at: b * type.typeSize + o) }
        }
        return bytes
    }
}
