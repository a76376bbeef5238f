import Foundation
import LinearAlgebraCore
@testable import Formats

/// A tiny GGUF writer for tests: builds valid files and records where each field sits, so corrupt-file tests
/// can patch exactly one field of an otherwise valid file.
struct TestGGUFWriter {
    struct Tensor {
        var name: String
        var dims: [UInt64]
        var type: UInt32
        var data: [UInt8]
        /// Overrides the offset the writer would assign.
        var offset: UInt64? = nil
    }

    /// Byte positions of fields in the written file.
    struct Layout {
        var tensorCount = 0, kvCount = 0
        /// Per key: the position of its value type tag.
        var valueType: [String: Int] = [:]
        /// Per key: the position of its value (for arrays: of the element type tag).
        var value: [String: Int] = [:]
        /// Per tensor: positions of the name length, n_dims, first dim, type and offset fields.
        var nameLength: [String: Int] = [:], nDims: [String: Int] = [:], dims: [String: Int] = [:]
        var type: [String: Int] = [:], offset: [String: Int] = [:]
        var dataStart = 0
        /// Per tensor: absolute position of its data.
        var data: [String: Int] = [:]
    }

    var version: UInt32 = 3
    var metadata: [(String, GGUFValue)] = []
    var tensors: [Tensor] = []
    var alignment = 32

    /// The file's bytes and where each field sits. The fields are encoded by the toolkit's own ``GGUFEncoder`` (the
    /// one ``GGUFWriter`` uses); the tensor table is spelled out field by field from the raw `dims`, `type` and
    /// `offset` values, so a test can also declare values the public writer would refuse.
    func build() -> (bytes: [UInt8], layout: Layout) {
        var e = GGUFEncoder()
        var layout = Layout()
        e.append(contentsOf: "GGUF".utf8)
        e.append(version)
        layout.tensorCount = e.count
        e.append(UInt64(tensors.count))
        layout.kvCount = e.count
        e.append(UInt64(metadata.count))
        for (key, value) in metadata {
            e.append(string: key)
            layout.valueType[key] = e.count
            e.append(value.type.rawValue)
            layout.value[key] = e.count
            e.append(value: value)
        }
        var next = 0
        var offsets = [Int]()
        for t in tensors {
            offsets.append(next)
            next += (t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, assigned) in zip(tensors, offsets) {
            layout.nameLength[t.name] = e.count
            e.append(string: t.name)
            layout.nDims[t.name] = e.count
            e.append(UInt32(t.dims.count))
            layout.dims[t.name] = e.count
            t.dims.forEach { e.append($0) }
            layout.type[t.name] = e.count
            e.append(t.type)
            layout.offset[t.name] = e.count
            e.append(t.offset ?? UInt64(assigned))
        }
        e.pad(to: alignment)
        layout.dataStart = e.count
        for (t, assigned) in zip(tensors, offsets) {
            layout.data[t.name] = layout.dataStart + assigned
            if e.count < layout.dataStart + assigned {
                e.append(contentsOf: repeatElement(0, count: layout.dataStart + assigned - e.count))
            }
            e.append(contentsOf: t.data)
        }
        e.pad(to: alignment)
        return (e.bytes, layout)
    }

    /// Writes `bytes` to a fresh temporary file and returns its URL.
    static func temporaryFile(_ bytes: [UInt8], name: String = "test.gguf") -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("formats-tests-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        return url
    }

    /// Random blocks of `type`: random bytes, with every F16 scale field set to a finite value of moderate size
    /// (so decoded values are ordinary numbers).
    static func randomBlocks(_ type: GGMLType, count: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        var bytes = (0..<(count * type.typeSize)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let scaleFields: [Int]
        switch type {
        case .q8_0, .q4_0, .q5_0: scaleFields = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: scaleFields = [0, 2]
        case .q6_K: scaleFields = [208]
        case .f16: scaleFields = Array(stride(from: 0, to: type.typeSize, by: 2))
        default: scaleFields = []
        }
        for b in 0..<count {
            for f in scaleFields {
                let h = HalfPrecision.f16Bits(Float(g.nextGaussian() * 0.05))
                bytes[b * type.typeSize + f] = UInt8(truncatingIfNeeded: h)
                bytes[b * type.typeSize + f + 1] = UInt8(truncatingIfNeeded: h >> 8)
            }
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Overwrites the little-endian bytes of `value` at `offset`.
    mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { self[offset + i] = b } }
    }
}
