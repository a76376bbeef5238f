import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// Dequantizes every tensor of SmolLM2 and reports the time and throughput (printed; the CI log keeps it).
/// Debug builds decode only the first layers to stay quick.
@Test func dequantizeAllOfSmolLM2() throws {
    let file = try GGUFFile(url: try AssetCache.default.require(AssetCache.default.smolLM2))
    #if DEBUG
    let tensors = file.tensors.filter { $0.name.hasPrefix("blk.0.") }
    #else
    let tensors = file.tensors
    #endif
    for parallelism in [Parallelism.serial, .available] {
        var inBytes = 0, outBytes = 0, checksum = 0.0
        let start = DispatchTime.now().uptimeNanoseconds
        for t in tensors {
            let m = try file.dequantize(t.name, parallelism: parallelism)
            inBytes += t.byteCount
            outBytes += 4 * m.elements.count
            checksum += Double(m.elements[m.elements.count / 2])
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        print(String(format: "SmolLM2 dequantize (%@): %d tensors, %.1f MB → %.1f MB in %.1f ms: %.2f GB/s out, %.2f GB/s in",
                     parallelism.description, tensors.count, Double(inBytes) / 1e6, Double(outBytes) / 1e6,
                     seconds * 1e3, Double(outBytes) / seconds / 1e9, Double(inBytes) / seconds / 1e9))
        #expect(checksum.isFinite)
    }
}
