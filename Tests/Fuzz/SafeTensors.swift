// libFuzzer target: a safetensors file (header, tensor table, data), or, for an input starting with '{', a
// folder's model.safetensors.index.json beside two fixed shards.
// Contract (file): a FormatError, or a file whose every tensor lies inside the data section, holds exactly
// elements × dtype size bytes, overlaps no other, decodes (float types) to rows × cols = elements, and writes
// back (SafeTensorsWriter) to a file that reads as the same table and bytes.
// Contract (folder): a FormatError, or a folder whose every tensor is found in the shard the index names.
import Foundation
@testable import Formats
import LinearAlgebraCore

private let url = URL(fileURLWithPath: "/fuzz/input.safetensors")

private let scratch: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("svdllm-fuzz-safetensors-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}()

/// A folder with the two shards of Tests/FormatsTests/Fixtures/safetensors/sharded (same names and shapes).
private let folder: URL = {
    let dir = scratch.appendingPathComponent("folder")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    func shard(_ name: String, _ tensors: [(String, SafeTensorsDType, [Int])]) {
        var w = SafeTensorsWriter()
        for (t, dtype, shape) in tensors {
            let n = shape.reduce(1, *) * dtype.size
            try! w.addRaw(t, bytes: (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37) }, dtype: dtype, shape: shape)
        }
        try! w.write(to: dir.appendingPathComponent(name))
    }
    shard("model-00001-of-00002.safetensors", [("empty", .f32, [0, 3]), ("layers.0.w_f16", .f16, [2, 3]),
                                               ("layers.0.w_f32", .f32, [3, 2])])
    shard("model-00002-of-00002.safetensors", [("layers.1.w_bf16", .bf16, [2, 2]), ("norm", .f32, [4]),
                                               ("scale", .f32, [])])
    return dir
}()

private func checkFile(_ bytes: [UInt8]) {
    let file = MappedFile(copying: bytes, path: url.path)
    guard let st = try? SafeTensorsFile(file: file, url: url) else { return }
    let dataSize = bytes.count - st.dataOffset
    require(st.dataOffset >= 8 && dataSize >= 0, "data offset \(st.dataOffset)")
    var ranges: [Range<Int>] = []
    var writer = SafeTensorsWriter(metadata: st.metadata)
    for t in st.tensors {
        require(t.shape.allSatisfy { $0 >= 0 }, "\(t.name): shape \(t.shape)")
        guard let count = CheckedArithmetic.product(t.shape) else {
            fatalError("contract broken: \(t.name): element count of \(t.shape) overflows")
        }
        require(t.elementCount == count && t.rows * t.cols == count, "\(t.name): rows × cols")
        require(t.dataRange.lowerBound >= 0 && t.dataRange.upperBound <= dataSize, "\(t.name): \(t.dataRange) outside")
        require(t.dataRange.count == count * t.dtype.size, "\(t.name): \(t.dataRange.count) bytes for \(t.shape)")
        require(st.info(t.name) == t, "\(t.name): index")
        let data = try? st.tensorData(t.name)
        require(data?.count == t.dataRange.count, "\(t.name): tensorData size")
        if !t.dataRange.isEmpty { ranges.append(t.dataRange) }
        if t.dtype.isFloatConvertible {
            let m = try? st.tensor(t.name)
            require(m?.rows == t.rows && m?.cols == t.cols && m?.elements.count == count, "\(t.name): decoded shape")
        } else {
            require((try? st.tensor(t.name)) == nil, "\(t.name): \(t.dtype) decoded as Float")
        }
        require((try? writer.addRaw(t.name, bytes: Array(data ?? UnsafeRawBufferPointer(start: nil, count: 0)),
                                    dtype: t.dtype, shape: t.shape)) != nil, "\(t.name): the writer refuses it")
    }
    ranges.sort { $0.lowerBound < $1.lowerBound }
    for (a, b) in zip(ranges, ranges.dropFirst()) { require(!a.overlaps(b), "tensors overlap: \(a) \(b)") }
    // Written back, the file reads as the same table and bytes.
    let copy = scratch.appendingPathComponent("copy.safetensors")
    require((try? writer.write(to: copy)) != nil, "cannot write the copy")
    guard let again = try? SafeTensorsFile(url: copy) else { fatalError("contract broken: the written copy does not read") }
    require(again.metadata == st.metadata && Set(again.names) == Set(st.names), "copy: names or metadata differ")
    for t in st.tensors {
        let a = again.info(t.name)
        require(a?.dtype == t.dtype && a?.shape == t.shape, "copy: \(t.name) differs")
        require((try? again.tensorData(t.name)).map { Array($0) } == (try? st.tensorData(t.name)).map { Array($0) },
                "copy: \(t.name) bytes differ")
    }
}

private func checkFolder(_ bytes: [UInt8]) {
    let index = folder.appendingPathComponent(SafeTensorsFolder.indexFileName)
    guard FileManager.default.createFile(atPath: index.path, contents: Data(bytes)) else { fatalError("cannot write \(index.path)") }
    guard let f = try? SafeTensorsFolder(directory: folder) else { return }
    require(Set(f.names) == Set(f.shards.flatMap(\.names)), "names are not the shards' tensors")
    for name in f.names {
        require(f.shard(of: name)?.info(name) != nil && f.info(name) != nil, "\(name): not in its shard")
        require((try? f.tensorData(name))?.count == f.info(name)?.dataRange.count, "\(name): data")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    if bytes.first == UInt8(ascii: "{") { checkFolder(bytes) } else { checkFile(bytes) }
    return 0
}
