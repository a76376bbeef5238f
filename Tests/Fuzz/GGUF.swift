// libFuzzer target: a GGUF file (header, metadata, tensor infos), then every tensor dequantized by both kernels.
// Contract: a FormatError, or a file whose every tensor lies inside the data section, holds exactly
// (elements / block size) × type size bytes, does not overlap another, and decodes to elements × Float
// identically with the reference and SIMD kernels (bitwise, NaN payloads included).
import Foundation
@testable import Formats
import LinearAlgebraCore

private let url = URL(fileURLWithPath: "/fuzz/input.gguf")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let file = MappedFile(copying: inputBytes(data, size), path: url.path)
    guard let gguf = try? GGUFFile(file: file, url: url) else { return 0 }
    require(gguf.alignment > 0 && gguf.alignment & (gguf.alignment - 1) == 0, "alignment \(gguf.alignment)")
    require(gguf.dataOffset % gguf.alignment == 0, "data offset \(gguf.dataOffset) unaligned")
    require(gguf.metadataKeys.count == gguf.metadata.count, "metadata keys and values differ")
    let dataSize = file.count - min(gguf.dataOffset, file.count)
    var ranges: [Range<Int>] = []
    for t in gguf.tensors {
        require((1...GGUFFile.maxDims).contains(t.dims.count), "\(t.name): \(t.dims.count) dims")
        require(t.dims.allSatisfy { $0 >= 0 } && t.cols % t.type.blockSize == 0, "\(t.name): dims \(t.dims)")
        // Every derived size must be computable without overflow.
        guard let elements = CheckedArithmetic.product(t.dims),
              CheckedArithmetic.product(t.dims.map { max($0, 1) }) != nil else {
            fatalError("contract broken: \(t.name): the sizes of \(t.dims) overflow")
        }
        require(t.elementCount == elements && t.rows * t.cols == elements, "\(t.name): rows × cols")
        require(t.byteCount == elements / t.type.blockSize * t.type.typeSize, "\(t.name): byte count")
        require(t.rowBytes * t.rows == t.byteCount, "\(t.name): row bytes")
        require(t.offset >= 0 && t.offset % gguf.alignment == 0 && t.offset + t.byteCount <= dataSize,
                "\(t.name): bytes \(t.offset)..+\(t.byteCount) outside the \(dataSize)-byte data section")
        require(gguf.tensorData(t).count == t.byteCount, "\(t.name): tensorData size")
        require(gguf.tensorInfo(t.name) == t, "\(t.name): index")
        if t.byteCount > 0 { ranges.append(t.offset..<t.offset + t.byteCount) }

        guard t.type.canDequantize else {
            require((try? gguf.dequantize(t.name)) == nil, "\(t.name): \(t.type) decoded without a kernel")
            continue
        }
        // Both kernels over the whole tensor (bounded by the file: at most 8 Floats per stored byte).
        let simd = try? gguf.dequantize(t.name, variant: .simd)
        let reference = try? gguf.dequantize(t.name, variant: .reference)
        guard let simd, let reference else { fatalError("\(t.name): \(t.type) failed to decode") }
        require(simd.rows == t.rows && simd.cols == t.cols && simd.elements.count == elements, "\(t.name): shape")
        require(zip(simd.elements, reference.elements).allSatisfy { $0.bitPattern == $1.bitPattern },
                "\(t.name): SIMD and reference kernels differ")
        if t.rows > 1 {  // a row range decodes to the same rows as the whole
            let last = try? gguf.dequantizeRows(t.name, rows: t.rows - 1..<t.rows)
            require(last?.elements.elementsEqual(simd.elements.suffix(t.cols), by: { $0.bitPattern == $1.bitPattern })
                    == true, "\(t.name): last row")
        }
        require((try? gguf.dequantizeRows(t.name, rows: 0..<t.rows + 1)) == nil, "\(t.name): rows past the end")
    }
    ranges.sort { $0.lowerBound < $1.lowerBound }
    for (a, b) in zip(ranges, ranges.dropFirst()) { require(!a.overlaps(b), "tensors overlap: \(a) \(b)") }
    // Typed metadata accessors never trap.
    for key in gguf.metadataKeys {
        _ = gguf.int(key); _ = gguf.double(key); _ = gguf.strings(key); _ = gguf.arrayCount(key)
        _ = gguf.metadata[key]?.ints; _ = gguf.metadata[key]?.floats
    }
    _ = try? ModelConfig(gguf: gguf)
    return 0
}
