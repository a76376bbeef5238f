// libFuzzer target: a .npy file read from disk (NPY.readAny, the reader the calibration and fixture paths use).
// Contract: a FormatError, or an array whose shape is the header's (1-D: 1 × n; Fortran order transposed back),
// whose element count × item size is exactly the file's data after the header, and which writes back to a file
// that reads as the same values, bit for bit.
import Foundation
@testable import Formats
import LinearAlgebraCore

private let directory: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: base).appendingPathComponent("svdllm-fuzz-npy-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
private let input = directory.appendingPathComponent("input.npy")
private let output = directory.appendingPathComponent("output.npy")

private func sameBits<T: LinalgScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Bool {
    a.rows == b.rows && a.cols == b.cols && a.elements.withUnsafeBytes { x in b.elements.withUnsafeBytes { x.elementsEqual($0) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard FileManager.default.createFile(atPath: input.path, contents: Data(bytes)) else { fatalError("cannot write \(input.path)") }
    guard let array = try? NPY.readAny(input) else { return 0 }
    guard let header = try? NPY.readHeader(input) else { fatalError("contract broken: the array reads but not its header") }
    require(header.dataOffset + header.dataByteCount == bytes.count, "data size")
    let (rows, cols) = header.matrixShape
    switch array {
    case let .float32(m):
        require(m.rows == rows && m.cols == cols && m.elements.count == header.elementCount, "f4 shape")
        require((try? NPY.write(m, to: output)) != nil, "cannot write back")
        require((try? NPY.read(output, as: Float.self)).map { sameBits($0, m) } == true, "f4 round trip")
    case let .float64(m):
        require(m.rows == rows && m.cols == cols && m.elements.count == header.elementCount, "f8 shape")
        require((try? NPY.write(m, to: output)) != nil, "cannot write back")
        require((try? NPY.read(output, as: Double.self)).map { sameBits($0, m) } == true, "f8 round trip")
    }
    return 0
}
