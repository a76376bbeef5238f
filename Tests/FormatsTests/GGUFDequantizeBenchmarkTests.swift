import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// Dequantizes every tensor of SmolLM2 and prints the time and throughput (the CI log keeps it):
/// once into fresh matrices (what `dequantize` returns; includes first-touch page faults of the new memory)
/// and once into one reused buffer (the kernels' own speed). Debug builds decode only layer 0.
@Test func dequantizeAllOfSmolLM2() throws {
    for url in [AssetCache.default.smolLM2, AssetCache.default.gemma3] {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let f = try GGUFFile(url: try AssetCache.default.require(url))
        print(String(format: "GGUF open + validate %@: %d tensors, %d metadata keys in %.1f ms", url.lastPathComponent,
                     f.tensors.count, f.metadata.count, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6))
    }
    let file = try GGUFFile(url: try AssetCache.default.require(AssetCache.default.smolLM2))
    #if DEBUG
    let tensors = file.tensors.filter { $0.name.hasPrefix("blk.0.") }
    #else
    let tensors = file.tensors
    #endif
    let inBytes = tensors.reduce(0) { $0 + $1.byteCount }
    let outBytes = tensors.reduce(0) { $0 + 4 * $1.elementCount }
    var buffer = [Float](repeating: 0, count: tensors.map(\.elementCount).max() ?? 0)
    func report(_ what: String, _ p: Parallelism, _ seconds: Double) {
        print(String(format: "SmolLM2 dequantize %@ (%@): %d tensors, %.1f MB → %.1f MB in %.1f ms: %.2f GB/s out, %.2f GB/s in",
                     what, p.description, tensors.count, Double(inBytes) / 1e6, Double(outBytes) / 1e6,
                     seconds * 1e3, Double(outBytes) / seconds / 1e9, Double(inBytes) / seconds / 1e9))
    }
    for parallelism in [Parallelism.serial, .available] {
        var checksum = 0.0
        var start = DispatchTime.now().uptimeNanoseconds
        for t in tensors {
            let m = try file.dequantize(t.name, parallelism: parallelism)
            checksum += Double(m.elements[m.elements.count / 2])
        }
        report("into new matrices", parallelism, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        var checksum2 = 0.0
        start = DispatchTime.now().uptimeNanoseconds
        for t in tensors {
            try buffer.withUnsafeMutableBufferPointer { buf in
                let out = UnsafeMutableBufferPointer(rebasing: buf[0..<t.elementCount])
                try file.dequantizeRows(t, rows: 0..<t.rows, into: out, parallelism: parallelism)
            }
            checksum2 += Double(buffer[t.elementCount / 2])
        }
        report("into one buffer", parallelism, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        #expect(checksum.isFinite && checksum == checksum2)
    }
}
