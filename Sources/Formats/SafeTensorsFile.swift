import Foundation
import LinearAlgebraCore

/// Where one tensor lives in a safetensors file.
public struct SafeTensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// Row-major shape (slowest axis first), as in PyTorch.
    public let shape: [Int]
    /// Byte range relative to the start of the data section.
    public let dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
    /// Columns of the Float matrix view: the last axis (1 for a scalar).
    public var cols: Int { shape.last ?? 1 }
    /// Rows of the Float matrix view: the product of all other axes (1 for 0-D and 1-D tensors).
    public var rows: Int { shape.dropLast().reduce(1, *) }
}

/// A memory-mapped `.safetensors` file, validated on open.
///
/// Layout: u64 little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [r, c], "data_offsets": [begin, end]}, …, "__metadata__": {str: str}}`,
/// then the data section. Opening checks the header size, the JSON (strictly: duplicate names are errors),
/// every dtype and shape, that each byte range lies inside the data and has size shape·dtype, and that no two
/// ranges overlap.
public final class SafeTensorsFile: @unchecked Sendable {
    public let url: URL
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Tensor descriptions in header order.
    public let tensors: [SafeTensorsTensorInfo]
    /// Absolute offset of the data section (8 + header length).
    public let dataOffset: Int

    private let file: MappedFile
    private let index: [String: Int]

    /// The safetensors library's own limit on the header size.
    public static let maxHeaderBytes = 100_000_000

    public convenience init(url: URL) throws(FormatError) {
        try self.init(file: MappedFile(url: url), url: url)
    }

    /// Parses an already mapped (or, in tests, in-memory) file.
    init(file: MappedFile, url: URL) throws(FormatError) {
        self.url = url
        let path = url.path
        self.file = file
        var r = ByteReader(file.bytes, file: path)
        let rawLength = try r.u64("header_length")
        guard rawLength <= UInt64(Swift.min(r.remaining, Self.maxHeaderBytes)) else {
            throw FormatError.invalid(file: path, field: "header_length",
                                      reason: "\(rawLength) bytes exceeds the \(r.remaining) bytes after it "
                                          + "(or the 100 MB limit)")
        }
        let headerLength = Int(rawLength)
        dataOffset = 8 + headerLength
        let dataSize = file.count - dataOffset
        let header = UnsafeRawBufferPointer(rebasing: file.bytes[8..<dataOffset])
        let json: JSONValue
        do {
            json = try JSONValue.parse(header)
        } catch {
            throw FormatError.invalid(file: path, field: "header",
                                      reason: "bad JSON at byte \(8 + error.offset): \(error.message)")
        }
        guard case let .object(members) = json else {
            throw FormatError.invalid(file: path, field: "header", reason: "not a JSON object")
        }
        var metadata = [String: String]()
        var infos = [SafeTensorsTensorInfo]()
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw FormatError.invalid(file: path, field: "__metadata__", reason: "not an object")
                }
                for (k, v) in pairs {
                    guard case let .string(s) = v else {
                        throw FormatError.invalid(file: path, field: "__metadata__.\(k)", reason: "not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            infos.append(try Self.tensorInfo(name, value, dataSize: dataSize, file: path))
        }
        let sorted = infos.filter { !$0.dataRange.isEmpty }
            .sorted { $0.dataRange.lowerBound < $1.dataRange.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.dataRange.overlaps(b.dataRange) {
            throw FormatError.invalid(file: path, field: "\(b.name).data_offsets", reason: "overlaps tensor '\(a.name)'")
        }
        self.metadata = metadata
        tensors = infos
        index = Dictionary(uniqueKeysWithValues: infos.enumerated().map { ($1.name, $0) })
    }

    private static func tensorInfo(_ name: String, _ value: JSONValue, dataSize: Int,
                                   file: String) throws(FormatError) -> SafeTensorsTensorInfo {
        guard case let .object(fields) = value else {
            throw FormatError.invalid(file: file, field: name, reason: "not an object")
        }
        func field(_ key: String) throws(FormatError) -> JSONValue {
            guard let v = fields.first(where: { $0.0 == key })?.1 else {
                throw FormatError.invalid(file: file, field: "\(name).\(key)", reason: "missing")
            }
            return v
        }
        guard case let .string(dtypeName) = try field("dtype") else {
            throw FormatError.invalid(file: file, field: "\(name).dtype", reason: "not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw FormatError.unsupported(file: file, field: "\(name).dtype", value: dtypeName)
        }
        guard case let .array(dims) = try field("shape") else {
            throw FormatError.invalid(file: file, field: "\(name).shape", reason: "not an array")
        }
        var shape = [Int]()
        var bytes = dtype.size
        for d in dims {
            guard case let .int(n) = d, n >= 0 else {
                throw FormatError.invalid(file: file, field: "\(name).shape",
                                          reason: "dimensions must be non-negative integers")
            }
            let (p, o) = bytes.multipliedReportingOverflow(by: n)
            guard !o else { throw FormatError.invalid(file: file, field: "\(name).shape", reason: "byte size overflows") }
            bytes = p
            shape.append(n)
        }
        guard case let .array(offsets) = try field("data_offsets"), offsets.count == 2,
              case let .int(begin) = offsets[0], case let .int(end) = offsets[1] else {
            throw FormatError.invalid(file: file, field: "\(name).data_offsets", reason: "must be [begin, end] integers")
        }
        guard 0 <= begin, begin <= end, end <= dataSize else {
            throw FormatError.invalid(file: file, field: "\(name).data_offsets",
                                      reason: "[\(begin), \(end)] is not inside the \(dataSize)-byte data section")
        }
        guard end - begin == bytes else {
            throw FormatError.invalid(file: file, field: "\(name).data_offsets",
                                      reason: "range holds \(end - begin) bytes but shape \(shape) of "
                                          + "\(dtype.rawValue) needs \(bytes)")
        }
        return SafeTensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    /// Tensor names in header order.
    public var names: [String] { tensors.map(\.name) }

    public func info(_ name: String) -> SafeTensorsTensorInfo? { index[name].map { tensors[$0] } }

    public func shape(_ name: String) -> [Int]? { info(name)?.shape }

    /// Drops the resident pages of tensor `name`'s data (``MappedFile/releasePages(_:)``) once it has been read.
    public func releaseTensorPages(_ name: String) {
        guard let t = info(name) else { return }
        file.releasePages(dataOffset + t.dataRange.lowerBound..<dataOffset + t.dataRange.upperBound)
    }

    /// The raw little-endian bytes of tensor `name` (valid while `self` lives).
    public func tensorData(_ name: String) throws(FormatError) -> UnsafeRawBufferPointer {
        let t = try require(name)
        let start = dataOffset + t.dataRange.lowerBound
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + t.dataRange.count)])
    }

    /// Tensor `name` as Float (F32 copied, F16/BF16 widened exactly): rows = product of all axes but the last,
    /// cols = the last axis (1-D → 1 × n, 0-D → 1 × 1).
    public func tensor(_ name: String) throws(FormatError) -> Matrix<Float> {
        let t = try require(name)
        let data = try tensorData(name)
        let kernel: Dequantize.Kernel
        switch t.dtype {
        case .f32: kernel = Dequantize.f32_simd
        case .f16: kernel = Dequantize.f16_simd
        case .bf16: kernel = Dequantize.bf16_simd
        default:
            throw FormatError.unsupported(file: url.path, field: "\(name).dtype",
                                          value: "\(t.dtype.rawValue) (not a float type)")
        }
        let n = t.elementCount
        let elements = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0, let src = data.baseAddress, let dst = buf.baseAddress { kernel(src, dst, n) }
            initialized = n
        }
        return Matrix(rows: t.rows, cols: t.cols, elements: elements)
    }

    private func require(_ name: String) throws(FormatError) -> SafeTensorsTensorInfo {
        guard let t = info(name) else {
            throw FormatError.invalid(file: url.path, field: name, reason: "no such tensor")
        }
        return t
    }
}
