import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

private func tempDir() -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)", isDirectory: true)
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The matrices `make_safetensors_fixtures.py swift_tensors()` also builds: (i·cols + j)·0.37 − 1.
private func ramp(_ rows: Int, _ cols: Int) -> Matrix<Float> {
    Matrix(rows: rows, cols: cols) { i, j in Float(i * cols + j) * Float(0.37) - 1 }
}

private func swiftWriter() throws -> SafeTensorsWriter {
    var w = SafeTensorsWriter(metadata: ["producer": "swift-svd-llm"])
    try w.add("a.f32", ramp(3, 4))
    try w.add("b.f16", ramp(5, 3), dtype: .f16)
    try w.add("c.bf16", ramp(2, 6), dtype: .bf16)
    try w.add("d.vector", ramp(1, 9), shape: [9])
    try w.add("e.cube", ramp(4, 6), dtype: .bf16, shape: [2, 2, 6])
    return w
}

/// Round trip through our writer and reader for every dtype: F32 exact, F16/BF16 equal to the rounded values.
@Test func safetensorsRoundTrip() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("m.safetensors")
    let a = Matrix<Float>.gaussian(rows: 37, cols: 70_001 / 37 + 1, seed: 1)   // > one 64 Ki encoding chunk
    var w = SafeTensorsWriter(metadata: ["format": "pt", "quote\"key": "line\nbreak ✓"])
    try w.add("a", a)
    try w.add("b", a, dtype: .f16)
    try w.add("c", a, dtype: .bf16)
    try w.add("v", Matrix(rows: 1, cols: 3, elements: [1, -2, 3]), shape: [3])
    try w.add("s", Matrix(rows: 1, cols: 1, elements: [4]), shape: [])
    try w.add("z", Matrix(rows: 0, cols: 5), dtype: .f16)
    try w.write(to: url)
    let f = try SafeTensorsFile(url: url)
    #expect(f.metadata == w.metadata)
    #expect(Set(f.names) == ["a", "b", "c", "v", "s", "z"])
    #expect(f.dataOffset % 8 == 0)
    #expect(try f.tensor("a") == a)
    let f16 = a.elements.map { HalfPrecision.float(fromF16: HalfPrecision.f16Bits($0)) }
    let bf16 = a.elements.map { HalfPrecision.float(fromBF16: HalfPrecision.bf16Bits($0)) }
    #expect(try f.tensor("b").elements == f16)
    #expect(try f.tensor("c").elements == bf16)
    #expect(f.info("b")?.dtype == .f16 && f.shape("c") == [a.rows, a.cols])
    // Halves are within half an ulp of the input.
    for (x, y) in zip(a.elements, f16) where abs(x) > 1e-4 { #expect(abs(x - y) <= abs(x) * 0x1p-11) }
    for (x, y) in zip(a.elements, bf16) { #expect(abs(x - y) <= abs(x) * 0x1p-8) }
    let v = try f.tensor("v"), s = try f.tensor("s"), z = try f.tensor("z")
    #expect(v.rows == 1 && v.cols == 3 && v.elements == [1, -2, 3])
    #expect(s.rows == 1 && s.cols == 1 && s.elements == [4] && f.shape("s") == [])
    #expect(z.rows == 0 && z.cols == 5)
    #expect(try Array(f.tensorData("v")) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0x40, 0x40])
    // Rewriting replaces the file atomically and leaves no temporary behind.
    try w.write(to: url)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.safetensors"])
}

@Test func safetensorsWriterRejectsBadInput() {
    var w = SafeTensorsWriter()
    #expect(throws: FormatError.self) { try w.add("x", Matrix(rows: 2, cols: 2), dtype: .i32) }
    #expect(throws: FormatError.self) { try w.add("x", Matrix(rows: 2, cols: 2), shape: [3]) }
    #expect(throws: FormatError.self) { try w.add("__metadata__", Matrix(rows: 1, cols: 1)) }
    #expect(throws: Never.self) { try w.add("x", Matrix(rows: 2, cols: 2)) }
    #expect(throws: FormatError.self) { try w.add("x", Matrix(rows: 2, cols: 2)) }
    #expect(throws: FormatError.self) { try w.write(to: URL(fileURLWithPath: "/nonexistent-dir/x.safetensors")) }
}

/// A file written by the Python library reads to the values it recorded (python_written.json).
@Test func safetensorsReadsPythonFile() throws {
    let f = try SafeTensorsFile(url: fixtureURL("safetensors/python_written.safetensors"))
    let json = try #require(try fixtureJSON("safetensors/python_written.json") as? [String: Any])
    #expect(f.metadata == json["metadata"] as? [String: String])
    let tensors = try #require(json["tensors"] as? [String: [String: Any]])
    #expect(Set(f.names) == Set(tensors.keys))
    for (name, e) in tensors {
        let shape = e["shape"] as! [Int]
        #expect(f.shape(name) == shape)
        let dtype = ["float32": SafeTensorsDType.f32, "float16": .f16, "bfloat16": .bf16][e["dtype"] as! String]
        #expect(f.info(name)?.dtype == dtype)
        let m = try f.tensor(name)
        #expect(m.elements == (e["values"] as! [Double]).map { Float($0) }, "\(name)")
        #expect(m.cols == (shape.last ?? 1) && m.rows * m.cols == shape.reduce(1, *))
    }
}

/// The sharded folder reads to the same tensors as the single file.
@Test func safetensorsShardedFolder() throws {
    let folder = try SafeTensorsFolder(directory: fixtureURL("safetensors/sharded"))
    let single = try SafeTensorsFile(url: fixtureURL("safetensors/python_written.safetensors"))
    #expect(folder.shards.count == 2)
    #expect(folder.names == single.names.sorted())
    for name in single.names {
        #expect(try folder.tensor(name) == single.tensor(name))
        #expect(folder.shape(name) == single.shape(name))
    }
    #expect(throws: FormatError.self) { try folder.tensor("missing") }
    // A folder with only model.safetensors.
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.copyItem(at: fixtureURL("safetensors/python_written.safetensors"),
                                     to: dir.appendingPathComponent("model.safetensors"))
    let one = try SafeTensorsFolder(directory: dir)
    #expect(one.names == single.names.sorted())
    #expect(throws: FormatError.self) { try SafeTensorsFolder(directory: dir.appendingPathComponent("nothing")) }
}

@Test func safetensorsShardedFolderErrors() throws {
    func folder(_ index: String, shards: [String: String] = [:]) throws -> FormatError? {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = fixtureURL("safetensors/sharded")
        for f in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            try FileManager.default.copyItem(at: src.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        for (to, from) in shards {
            try FileManager.default.copyItem(at: src.appendingPathComponent(from), to: dir.appendingPathComponent(to))
        }
        try Data(index.utf8).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        do { _ = try SafeTensorsFolder(directory: dir); return nil } catch { return error }
    }
    let one = "model-00001-of-00002.safetensors", two = "model-00002-of-00002.safetensors"
    #expect(try folder(#"{"weight_map": {"norm": "\#(two)", "empty": "\#(one)"}}"#) == nil)
    #expect(try folder(#"{"weight_map": {"norm": "\#(one)"}}"#)?.description.contains("not in") == true)
    #expect(try folder(#"{"weight_map": {"norm": "../x.safetensors"}}"#) != nil)
    #expect(try folder(#"{"weight_map": {"norm": "missing.safetensors"}}"#) != nil)
    #expect(try folder(#"{"metadata": {}}"#)?.description.contains("weight_map") == true)
    #expect(try folder(#"{"weight_map": "#) != nil)
    // The same tensor in two shards.
    #expect(try folder(#"{"weight_map": {"norm": "\#(two)", "x": "copy.safetensors"}}"#, shards: ["copy.safetensors": two])?
        .description.contains("also stored") == true)
}

/// Our writer's bytes for the matrices of `make_safetensors_fixtures.py` equal the committed
/// swift_written.safetensors, which the Python library reads (and reproduces byte for byte:
/// `python make_safetensors_fixtures.py check`).
@Test func safetensorsWriterOutputIsReadByPython() throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("swift_written.safetensors")
    try swiftWriter().write(to: url)
    // Regenerating the fixture: SVDLLM_WRITE_SAFETENSORS_FIXTURE=<path> swift test --filter <this test>.
    if let out = ProcessInfo.processInfo.environment["SVDLLM_WRITE_SAFETENSORS_FIXTURE"] {
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.copyItem(at: url, to: URL(fileURLWithPath: out))
    }
    let committed = try Data(contentsOf: fixtureURL("safetensors/swift_written.safetensors"))
    #expect(try Data(contentsOf: url) == committed)
}
