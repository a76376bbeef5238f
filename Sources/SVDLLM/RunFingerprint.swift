import Foundation
import GEMM

/// A 64-bit FNV-1a hash, spelled as 16 hex digits: the identity of a profile (model + calibration windows) and
/// of a run (plus method, ratio, SVD), used to name profile caches and to check resume folders.
public struct RunFingerprint: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    public mutating func add(_ text: String) { add(Array(text.utf8) + [0]) }

    public mutating func add(_ n: Int) { add(withUnsafeBytes(of: Int64(n).littleEndian) { Array($0) }) }

    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Identity of a model file or folder: its name, byte size, and the first 4 MiB of its content (the
    /// weights file of a folder), cheap to compute and different for different models.
    public static func model(at url: URL) -> RunFingerprint {
        var f = RunFingerprint()
        var file = url
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
                .filter { $0.hasSuffix(".safetensors") }.sorted()
            for n in names.dropFirst() { f.add(n) }
            file = url.appendingPathComponent(names.first ?? "config.json")
        }
        f.add(file.lastPathComponent)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? -1
        f.add(size)
        if let h = FileHandle(forReadingAtPath: file.path) {
            f.add(h.readData(ofLength: 4 << 20))
            try? h.close()
        }
        return f
    }

    /// Identity of how a profile's Grams are accumulated (``CompressionOptions/gramAccumulation``): nothing for
    /// ``SYRKAccumulation/double`` (so the profile caches made before the choice existed keep their names), the
    /// name otherwise.
    public mutating func add(gramAccumulation a: SYRKAccumulation) {
        if a != .double { add("gram \(a.rawValue)") }
    }

    /// Identity of calibration windows (token ids).
    public mutating func add(windows: [[Int]]) {
        add(windows.count)
        for w in windows {
            add(w.count)
            for id in w { add(id) }
        }
    }
}
