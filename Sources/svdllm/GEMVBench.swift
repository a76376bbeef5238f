import Foundation
import SVDLLMKit

/// `svdllm bench gemv`: the one-token product y = W x of every weight storage, reference and SIMD, at the shapes of
/// a decode step (out×in).
///
/// Each measurement rotates through enough copies of W that they do not fit the last-level cache (at least twice
/// its size, at most 1 GiB), so the product streams W from memory as a decode step does; `--hot` times one copy
/// again and again instead (the kernel's in-cache speed). Reported: ms per product, GB/s of stored bytes read,
/// and for simd its speed relative to the reference.
struct GEMVBench {
    let options: BenchCommand

    /// SmolLM2-135M (q/o, k/v, gate/up, down, lm_head) and Qwen2.5-0.5B (the same roles).
    static let defaultShapes = "576x576,192x576,1536x576,576x1536,49152x576,896x896,128x896,4864x896,896x4864,151936x896"

    func run() throws -> [BenchRecord] {
        var out: [BenchRecord] = []
        let shapes = try ShapeList.parse(options.shapes ?? Self.defaultShapes, dimensions: 2)
        let storages: [WeightStorage] = try (options.storages ?? "f32,f16,bf16,q8,int4").split(separator: ",").map {
            guard let s = WeightStorage(rawValue: String($0)) else {
                throw CLIError("--storages: unknown '\($0)'; choose from \(WeightStorage.allCases.map(\.rawValue).joined(separator: ","))")
            }
            return s
        }
        let variants: [WeightMatrix.GEMVVariant] = try {
            if options.variant == "all" { return WeightMatrix.GEMVVariant.allCases }
            guard let v = WeightMatrix.GEMVVariant(rawValue: options.variant) else {
                throw CLIError("--variant: unknown '\(options.variant)' for gemv; choose from \(WeightMatrix.GEMVVariant.allCases.map(\.rawValue).joined(separator: ", ")), all")
            }
            return [v]
        }()
        let parallelism = Parallelism.threads(options.workers.threads)
        let params = GEMMParams(parallelGEMVFlopThreshold: 0)
        for shape in shapes {
            let (rows, cols) = (shape[0], shape[1])
            for storage in storages {
                let one = Self.sample(storage, rows: rows, cols: cols, seed: 7)
                let budget = Swift.min(1 << 30, Swift.max(2 * CPUInfo.host.l3Bytes, one.byteCount))
                let copies = options.hot ? 1 : Swift.max(1, budget / Swift.max(1, one.byteCount))
                let ws = (0..<copies).map { i in i == 0 ? one : Self.sample(storage, rows: rows, cols: cols, seed: UInt64(7 + i)) }
                let x = (0..<cols).map { Float(($0 * 31) % 17) / 17 - 0.5 }
                var y = [Float](repeating: 0, count: rows)
                var seconds: [Double] = []
                for v in variants {
                    // The reference is slow: fewer products per sample at large shapes.
                    let calls = Swift.max(copies, v == .reference ? 2 : Swift.max(copies, 20_000_000 / Swift.max(1, rows * cols)))
                    var best = Double.infinity
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            for w in ws { w.gemv(xp.baseAddress!, into: yp.baseAddress!, variant: v, parallelism: parallelism, params: params) }
                            for _ in 0..<Swift.max(1, options.repeats) {
                                let n = v == .reference ? Swift.min(calls, 2) : calls
                                let t = Stopwatch.seconds {
                                    for c in 0..<n {
                                        ws[c % copies].gemv(xp.baseAddress!, into: yp.baseAddress!, variant: v,
                                                            parallelism: parallelism, params: params)
                                    }
                                }
                                best = Swift.min(best, t / Double(n))
                            }
                        }
                    }
                    seconds.append(best)
                    var r = BenchRecord(kernel: "gemv", variant: v.rawValue, shape: [rows, cols], dtype: storage.rawValue,
                                        threads: options.workers.threads, seconds: best, flops: 2 * Double(rows) * Double(cols))
                    r.readGBPerSecond = (Double(one.byteCount) / best / 1e9 * 100).rounded() / 100
                    if v != .reference, let i = variants.firstIndex(of: .reference) {
                        r.vsReference = (seconds[i] / best * 1000).rounded() / 1000
                    }
                    options.emit(r)
                    out.append(r)
                }
            }
        }
        return out
    }

    /// A seeded rows × cols weight in `storage`; int2…int8 with random codes on a group-128 grid.
    static func sample(_ storage: WeightStorage, rows: Int, cols: Int, seed: UInt64) -> WeightMatrix {
        let bits: [WeightStorage: Int] = [.int2: 2, .int3: 3, .int4: 4, .int8: 8]
        if let b = bits[storage] {
            var g = SeededGenerator(seed: seed)
            let gs = cols % 128 == 0 ? 128 : -1, groups = gs < 0 ? 1 : cols / gs, levels = UInt64(1 << b)
            let codes = (0..<rows * cols).map { _ in UInt8(g.next() % levels) }
            let scales = (0..<rows * groups).map { _ in Float(g.next() % 100 + 1) / 1000 }
            let zeros = (0..<rows * groups).map { _ in UInt8(g.next() % levels) }
            if b == 4 {
                return .int4(GroupQuantizedMatrix(rows: rows, cols: cols, codes: codes, scales: scales, zeros: zeros, groupSize: gs))
            }
            return .packedCodes(PackedCodeMatrix(rows: rows, cols: cols, bits: b, codes: codes, scales: scales, zeros: zeros,
                                                 groupSize: gs))
        }
        return WeightMatrix(Matrix<Float>.uniform(rows: rows, cols: cols, seed: seed), storage: storage)
    }
}
