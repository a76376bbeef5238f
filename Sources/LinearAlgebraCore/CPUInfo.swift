import Foundation

/// Facts about the host CPU that kernels tune themselves by: cache sizes and SIMD width.
///
/// Read once from Linux sysfs (`/sys/devices/system/cpu/cpu0/cache`) and `/proc/cpuinfo`; falls back to
/// conservative defaults (32 KiB L1d, 512 KiB L2, 8 MiB L3, AVX2) where those are missing.
public struct CPUInfo: Sendable, Equatable {
    public var l1dBytes: Int
    public var l2Bytes: Int
    /// The last-level cache, shared by all cores.
    public var l3Bytes: Int
    /// The CPU has AVX-512F (and the build was compiled for it when `-target-cpu native` was used here).
    public var hasAVX512: Bool
    public var logicalCores: Int

    public init(l1dBytes: Int, l2Bytes: Int, l3Bytes: Int, hasAVX512: Bool, logicalCores: Int) {
        self.l1dBytes = l1dBytes
        self.l2Bytes = l2Bytes
        self.l3Bytes = l3Bytes
        self.hasAVX512 = hasAVX512
        self.logicalCores = logicalCores
    }

    /// The host's facts, read once.
    public static let host: CPUInfo = detect()

    static func detect() -> CPUInfo {
        var info = CPUInfo(l1dBytes: 32 << 10, l2Bytes: 512 << 10, l3Bytes: 8 << 20, hasAVX512: false,
                           logicalCores: ProcessInfo.processInfo.activeProcessorCount)
        let dir = "/sys/devices/system/cpu/cpu0/cache"
        for index in 0..<8 {
            let p = "\(dir)/index\(index)/"
            guard let level = read(p + "level").flatMap(Int.init),
                  let type = read(p + "type"),
                  let size = read(p + "size").flatMap(parseSize) else { continue }
            switch (level, type) {
            case (1, "Data"): info.l1dBytes = size
            case (2, _): info.l2Bytes = size
            case (3, _): info.l3Bytes = size
            default: break
            }
        }
        if let flags = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            .split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            info.hasAVX512 = flags.split(separator: " ").contains("avx512f")
        }
        return info
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// "48K" → 49152, "1024K" → 1 MiB, "32M" → 32 MiB.
    static func parseSize(_ s: String) -> Int? {
        guard let last = s.last else { return nil }
        switch last {
        case "K": return Int(s.dropLast()).map { $0 << 10 }
        case "M": return Int(s.dropLast()).map { $0 << 20 }
        case "G": return Int(s.dropLast()).map { $0 << 30 }
        default: return Int(s)
        }
    }
}
