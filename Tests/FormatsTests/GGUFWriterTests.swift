import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// A fresh empty folder under the temporary directory.
private func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-writer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The metadata and tensors of `sampleGGUF`, as the public writer takes them.
private func plan(_ w: TestGGUFWriter) -> ([(key: String, value: GGUFValue)], [GGUFLayout.Tensor]) {
    (w.metadata.map { (key: $0.0, value: $0.1) },
     w.tensors.map { GGUFLayout.Tensor(name: $0.name, dims: $0.dims.map { Int($0) }, type: GGMLType(rawValue: $0.type)!) })
}

/// Every metadata kind (nested and empty arrays included) and tensors of four types, written by `GGUFWriter` — some
/// from whole byte arrays, some streamed in chunks of 1, 2 or 5 rows — read back by `GGUFFile`: keys in order, values,
/// dims, types, offsets and data. The file is byte-identical to the one the test writer builds from the same fields.
@Test(arguments: [32, 64, 8])
func ggufWriterRoundTripsThroughTheReader(alignment: Int) throws {
    let sample = sampleGGUF(alignment: alignment)
    let (metadata, tensors) = plan(sample)
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("out.gguf")

    let writer = try GGUFWriter(url: url, metadata: metadata, tensors: tensors)
    #expect(writer.layout.alignment == alignment)
    var chunks: [String: [Range<Int>]] = [:]
    for (i, t) in sample.tensors.enumerated() {
        if i % 2 == 0 {
            try writer.write(t.name, bytes: t.data)
        } else {
            let info = try #require(writer.nextTensor)
            try writer.write(t.name, rowsPerChunk: [1, 2, 5][i % 3]) { rows, out in
                chunks[t.name, default: []].append(rows)
                #expect(out.count == rows.count * info.rowBytes)
                out.copyBytes(from: t.data[(rows.lowerBound * info.rowBytes)..<(rows.upperBound * info.rowBytes)])
            }
        }
    }
    #expect(!FileManager.default.fileExists(atPath: url.path), "nothing under the final name before commit")
    try writer.commit()
    #expect(chunks["blk.0.q8"] == [0..<2, 2..<3])
    #expect(chunks["cube"] == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5, 5..<6])

    let file = try GGUFFile(url: url)
    #expect(file.version == 3 && file.alignment == alignment)
    #expect(file.dataOffset == writer.layout.dataOffset)
    #expect(file.metadataKeys == metadata.map(\.key))
    for (key, value) in metadata { #expect(file.metadata[key] == value, "\(key)") }
    #expect(file.tensors == writer.layout.tensors)
    for t in sample.tensors {
        let info = try #require(file.tensorInfo(t.name))
        #expect(info.dims == t.dims.map { Int($0) } && info.type.rawValue == t.type)
        #expect(info.offset % alignment == 0)
        #expect(Array(file.tensorData(t.name)) == t.data)
    }
    let written = try [UInt8](Data(contentsOf: url))
    #expect(written.count == writer.layout.fileSize)
    #expect(written == sample.build().bytes)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.gguf"])
}

/// What the reader would refuse is refused before any file is made, naming the key or tensor field.
@Test func ggufLayoutRefusesUnreadableFiles() throws {
    let f = "/x/out.gguf"
    func field(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let FormatError.invalid(file, field, _) {
            return file == f ? field : "wrong file \(file)"
        } catch { return "\(error)" }
    }
    let ok = GGUFLayout.Tensor(name: "w", dims: [32, 2], type: .q8_0)
    #expect(field { _ = try GGUFLayout(metadata: [("a", .uint8(1)), ("a", .uint8(2))], tensors: [], file: f) } == "a")
    #expect(field {
        _ = try GGUFLayout(metadata: [("mixed", .array(elementType: .int32, [.int32(1), .uint8(2)]))], tensors: [], file: f)
    } == "mixed[1]")
    var deep = GGUFValue.uint8(0)
    for _ in 0...GGUFFile.maxArrayDepth { deep = .array(elementType: deep.type, [deep]) }
    #expect(field { _ = try GGUFLayout(metadata: [("deep", deep)], tensors: [], file: f) } == "deep")
    #expect(field { _ = try GGUFLayout(metadata: [("general.alignment", .uint32(48))], tensors: [], file: f) }
            == "general.alignment")
    #expect(field { _ = try GGUFLayout(metadata: [("general.alignment", .uint64(32))], tensors: [], file: f) }
            == "general.alignment")
    #expect(field { _ = try GGUFLayout(metadata: [], tensors: [ok, ok], file: f) } == "tensor 'w'.name")
    #expect(field { _ = try GGUFLayout(metadata: [], tensors: [.init(name: "v", dims: [48], type: .q4_0)], file: f) }
            == "tensor 'v'.dims[0]")
    #expect(field { _ = try GGUFLayout(metadata: [], tensors: [.init(name: "v", dims: [1, 1, 1, 1, 1], type: .f32)],
                                       file: f) } == "tensor 'v'.n_dims")
    #expect(field { _ = try GGUFLayout(metadata: [], tensors: [.init(name: "v", dims: [32, 1 << 40, 1 << 40], type: .f32)],
                                       file: f) } == "tensor 'v'.dims")
    // A layout within the rules: offsets aligned, the last tensor padded too.
    let layout = try GGUFLayout(metadata: [], tensors: [.init(name: "a", dims: [3], type: .f32), ok], file: f)
    #expect(layout.tensors.map(\.offset) == [0, 32] && layout.fileSize == layout.dataOffset + 32 + 96)
}

/// Out-of-order writes, missing tensors, a failing producer and an unwritable destination: a typed error naming the
/// tensor or file, and no file (final or temporary) left behind.
@Test func ggufWriterLeavesNothingBehindOnFailure() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("m.gguf")
    let tensors = [GGUFLayout.Tensor(name: "a", dims: [32, 4], type: .q8_0), .init(name: "b", dims: [8], type: .f32)]
    func leftovers() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path) }

    do {
        let w = try GGUFWriter(url: url, metadata: [], tensors: tensors)
        #expect(try leftovers().count == 1, "the temporary file")
        #expect(throws: FormatError.invalid(file: url.path, field: "tensor 'b'",
                                            reason: "written out of order: the next tensor is 'a'")) {
            try w.write("b", bytes: [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: FormatError.self) { try w.commit() }
    }
    #expect(try leftovers().isEmpty)

    do {
        let w = try GGUFWriter(url: url, metadata: [], tensors: tensors)
        try w.write("a", bytes: [UInt8](repeating: 0, count: 4 * 34))
        #expect(throws: FormatError.invalid(file: url.path, field: "tensor 'b'", reason: "never written")) { try w.commit() }
    }
    #expect(try leftovers().isEmpty)

    struct ProducerFailed: Error {}
    do {
        let w = try GGUFWriter(url: url, metadata: [], tensors: tensors)
        #expect(throws: ProducerFailed.self) {
            try w.write("a", rowsPerChunk: 1) { rows, _ in if rows.lowerBound == 2 { throw ProducerFailed() } }
        }
        #expect(throws: FormatError.self) { try w.write("b", bytes: [UInt8](repeating: 0, count: 32)) }
    }
    #expect(try leftovers().isEmpty)

    let missing = dir.appendingPathComponent("no-such-folder/m.gguf")
    let error = #expect(throws: FormatError.self) { _ = try GGUFWriter(url: missing, metadata: [], tensors: tensors) }
    guard case let .io(file, _)? = error else { Issue.record("expected .io, got \(String(describing: error))"); return }
    #expect(file == missing.path)
}
