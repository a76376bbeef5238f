import Foundation
import LinearAlgebraCore

/// A GGUF model file (versions 2 and 3), memory-mapped and fully validated on open.
///
/// Layout (little-endian):
/// ```
/// "GGUF" u32 version  u64 tensor_count  u64 metadata_kv_count
/// metadata_kv_count × (string key, u32 type, value)
/// tensor_count × (string name, u32 n_dims, n_dims × u64 dim (fastest first), u32 type, u64 offset)
/// padding to general.alignment (default 32), then the data section; tensor offsets are relative to it.
/// ```
/// Strings are a u64 byte length followed by UTF-8 bytes; an array value is (u32 element type, u64 count,
/// elements). Opening checks every count, size, offset, alignment and name, so that later reads of
/// tensor data can never leave the mapping.
public final class GGUFFile: @unchecked Sendable {
    public let url: URL
    public let version: Int
    /// Every metadata key-value pair.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor descriptions in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataOffset: Int

    private let file: MappedFile
    private let index: [String: Int]

    /// The deepest nesting of arrays accepted (guards the recursive parser against hostile input).
    public static let maxArrayDepth = 8
    /// ggml's limit on tensor dimensions.
    public static let maxDims = 4

    public convenience init(url: URL) throws(FormatError) {
        try self.init(file: MappedFile(url: url), url: url)
    }

    /// Parses an already mapped (or, in tests, in-memory) file.
    init(file: MappedFile, url: URL) throws(FormatError) {
        self.url = url
        self.file = file
        let path = url.path
        var r = ByteReader(file.bytes, file: path)

        try r.need(4, "magic")
        let magic = (0..<4).map { file.bytes[$0] }
        guard magic == Array("GGUF".utf8) else {
            throw FormatError.invalid(file: path, field: "magic", reason: "expected \"GGUF\", found \(magic)")
        }
        r.offset = 4
        let rawVersion = try r.u32("version")
        guard rawVersion == 2 || rawVersion == 3 else {
            let swapped = rawVersion.byteSwapped
            throw FormatError.unsupported(file: path, field: "version",
                                          value: swapped == 2 || swapped == 3 ? "\(swapped) (big-endian)"
                                                                              : "\(rawVersion)")
        }
        version = Int(rawVersion)
        // Each tensor info needs ≥ 24 bytes (name length, n_dims, type, offset); each KV pair ≥ 13.
        let tensorCount = try r.count("tensor_count", limit: (r.remaining - 8) / 24)
        let kvCount = try r.count("metadata_kv_count", limit: (r.remaining - 8) / 13)

        var metadata = [String: GGUFValue](minimumCapacity: kvCount)
        var keys = [String]()
        keys.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            let key = try r.string("metadata[\(i)].key")
            guard metadata[key] == nil else {
                throw FormatError.invalid(file: path, field: key, reason: "duplicate metadata key")
            }
            let type = try Self.readType(&r, field: "\(key).type")
            metadata[key] = try Self.readValue(&r, type: type, field: key, depth: 0)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard case let .uint32(v) = a else {
                throw FormatError.invalid(file: path, field: "general.alignment", reason: "must be uint32, is \(a.type)")
            }
            guard v > 0, v & (v - 1) == 0 else {
                throw FormatError.invalid(file: path, field: "general.alignment", reason: "\(v) is not a power of two")
            }
            alignment = Int(v)
        }
        self.alignment = alignment

        var infos = [GGUFTensorInfo]()
        infos.reserveCapacity(tensorCount)
        var index = [String: Int](minimumCapacity: tensorCount)
        for i in 0..<tensorCount {
            let name = try r.string("tensor[\(i)].name")
            let field = "tensor '\(name)'"
            guard index[name] == nil else {
                throw FormatError.invalid(file: path, field: "\(field).name", reason: "duplicate tensor name")
            }
            let nDims = Int(try r.u32("\(field).n_dims"))
            guard (1...Self.maxDims).contains(nDims) else {
                throw FormatError.invalid(file: path, field: "\(field).n_dims",
                                          reason: "\(nDims) is not in 1...\(Self.maxDims)")
            }
            var dims = [Int]()
            // The product of the nonzero dimensions must fit in Int too: with a zero dimension the element count
            // is 0, but `rows` (every axis but the first) and `cols` of e.g. [0, 2³², 2³²] must still be computable.
            var elements = 1, nonzero = 1
            for d in 0..<nDims {
                let raw = try r.u64("\(field).dims[\(d)]")
                guard let v = Int(exactly: raw) else {
                    throw FormatError.invalid(file: path, field: "\(field).dims[\(d)]",
                                              reason: "\(raw) does not fit in Int")
                }
                let (p, o) = nonzero.multipliedReportingOverflow(by: Swift.max(v, 1))
                guard !o else {
                    throw FormatError.invalid(file: path, field: "\(field).dims", reason: "element count overflows")
                }
                nonzero = p
                elements *= v
                dims.append(v)
            }
            let rawType = try r.u32("\(field).type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw FormatError.unsupported(file: path, field: "\(field).type", value: "ggml type \(rawType)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw FormatError.invalid(file: path, field: "\(field).dims[0]",
                                          reason: "\(dims[0]) is not a multiple of the \(type) block size "
                                                  + "\(type.blockSize)")
            }
            // The bytes of the nonzero dimensions bound every derived size (rowBytes of [2⁶², 0] overflowed).
            let (_, o) = (nonzero / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
            guard !o else { throw FormatError.invalid(file: path, field: "\(field).dims", reason: "byte size overflows") }
            let bytes = elements / type.blockSize * type.typeSize
            let rawOffset = try r.u64("\(field).offset")
            guard let offset = Int(exactly: rawOffset), offset % alignment == 0 else {
                throw FormatError.invalid(file: path, field: "\(field).offset",
                                          reason: "\(rawOffset) is not a multiple of the alignment \(alignment)")
            }
            index[name] = infos.count
            infos.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: offset, byteCount: bytes))
        }

        // The data section starts at the next multiple of the alignment (it may be empty with no tensors).
        let headerEnd = r.offset
        let dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset
        let dataSize = file.count - Swift.min(dataOffset, file.count)
        if !infos.isEmpty && dataOffset > file.count {
            throw FormatError.invalid(file: path, field: "data", reason: "data section starts past the end of the file")
        }
        for t in infos {
            let (end, o) = t.offset.addingReportingOverflow(t.byteCount)
            guard !o, end <= dataSize else {
                throw FormatError.invalid(file: path, field: "tensor '\(t.name)'.offset",
                                          reason: "bytes \(t.offset)..<\(t.offset &+ t.byteCount) run past the "
                                                  + "data section of \(dataSize) bytes")
            }
        }
        let byOffset = infos.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw FormatError.invalid(file: path, field: "tensor '\(b.name)'.offset",
                                      reason: "overlaps tensor '\(a.name)'")
        }
        tensors = infos
        self.index = index
    }

    private static func readType(_ r: inout ByteReader, field: String) throws(FormatError) -> GGUFValueType {
        let raw = try r.u32(field)
        guard let t = GGUFValueType(rawValue: raw) else {
            throw FormatError.unsupported(file: r.file, field: field, value: "metadata type \(raw)")
        }
        return t
    }

    private static func readValue(_ r: inout ByteReader, type: GGUFValueType, field: String,
                                  depth: Int) throws(FormatError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try r.load(UInt8.self, field))
        case .int8: return .int8(try r.load(Int8.self, field))
        case .uint16: return .uint16(try r.load(UInt16.self, field))
        case .int16: return .int16(try r.load(Int16.self, field))
        case .uint32: return .uint32(try r.load(UInt32.self, field))
        case .int32: return .int32(try r.load(Int32.self, field))
        case .uint64: return .uint64(try r.load(UInt64.self, field))
        case .int64: return .int64(try r.load(Int64.self, field))
        case .float32: return .float32(Float(bitPattern: try r.load(UInt32.self, field)))
        case .float64: return .float64(Double(bitPattern: try r.load(UInt64.self, field)))
        case .bool:
            let b = try r.load(UInt8.self, field)
            guard b <= 1 else { throw FormatError.invalid(file: r.file, field: field, reason: "bool byte is \(b)") }
            return .bool(b == 1)
        case .string: return .string(try r.string(field))
        case .array:
            guard depth < maxArrayDepth else {
                throw FormatError.unsupported(file: r.file, field: field,
                                              value: "arrays nested deeper than \(maxArrayDepth)")
            }
            let elementType = try readType(&r, field: "\(field).element_type")
            let n = try r.count("\(field).count", limit: (r.remaining - 8) / elementType.minimumSize)
            var values = [GGUFValue]()
            values.reserveCapacity(n)
            if let size = elementType.fixedSize, elementType != .bool {
                // Fixed-size numbers: one bounds check for the whole run (token scores and types are 10⁵ long).
                try r.need(n * size, field)
                let base = r.offset
                @inline(__always) func at<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                    T(littleEndian: r.bytes.loadUnaligned(fromByteOffset: base + i * size, as: T.self))
                }
                for i in 0..<n {
                    switch elementType {
                    case .uint8: values.append(.uint8(at(i, UInt8.self)))
                    case .int8: values.append(.int8(at(i, Int8.self)))
                    case .uint16: values.append(.uint16(at(i, UInt16.self)))
                    case .int16: values.append(.int16(at(i, Int16.self)))
                    case .uint32: values.append(.uint32(at(i, UInt32.self)))
                    case .int32: values.append(.int32(at(i, Int32.self)))
                    case .uint64: values.append(.uint64(at(i, UInt64.self)))
                    case .int64: values.append(.int64(at(i, Int64.self)))
                    case .float32: values.append(.float32(Float(bitPattern: at(i, UInt32.self))))
                    default: values.append(.float64(Double(bitPattern: at(i, UInt64.self))))
                    }
                }
                r.offset += n * size
            } else {
                // Elements report errors under the array's key (building a name per element would cost more
                // than parsing it for the 10⁵-entry token arrays).
                for _ in 0..<n { values.append(try readValue(&r, type: elementType, field: field, depth: depth + 1)) }
            }
            return .array(elementType: elementType, values)
        }
    }

    // MARK: - Lookup

    /// The tensor named `name`, or nil.
    public func tensorInfo(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// The tensor named `name`, or an error naming the file and tensor.
    public func requireTensor(_ name: String) throws(FormatError) -> GGUFTensorInfo {
        guard let t = tensorInfo(name) else {
            throw FormatError.invalid(file: url.path, field: "tensor '\(name)'", reason: "no such tensor")
        }
        return t
    }

    /// The encoded bytes of tensor `name` (empty if there is no such tensor). Valid while `self` lives.
    public func tensorData(_ name: String) -> UnsafeRawBufferPointer {
        guard let t = tensorInfo(name) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return tensorData(t)
    }

    /// Whether `info` describes a tensor of this file (and not of another one).
    /// Drops the resident pages of tensor `name`'s data (``MappedFile/releasePages(_:)``) once it has been read.
    public func releaseTensorPages(_ name: String) {
        guard let info = tensorInfo(name) else { return }
        file.releasePages(dataOffset + info.offset..<dataOffset + info.offset + info.byteCount)
    }

    public func owns(_ info: GGUFTensorInfo) -> Bool { index[info.name].map { tensors[$0] == info } ?? false }

    /// The encoded bytes of `info` (validated on open to lie inside the file); empty if `info` is not one of
    /// this file's tensors.
    public func tensorData(_ info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        guard owns(info) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let start = dataOffset + info.offset
        return UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + info.byteCount)])
    }

    // MARK: - Typed metadata

    /// The value of `general.architecture` (e.g. "llama", "gemma3").
    public var architecture: String? { metadata["general.architecture"]?.string }

    public func string(_ key: String) -> String? { metadata[key]?.string }
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    public func double(_ key: String) -> Double? { metadata[key]?.double }
    public func bool(_ key: String) -> Bool? { metadata[key]?.bool }
    public func strings(_ key: String) -> [String]? { metadata[key]?.strings }

    /// An integer metadata value that must be present.
    public func requireInt(_ key: String) throws(FormatError) -> Int {
        guard let v = metadata[key] else {
            throw FormatError.invalid(file: url.path, field: key, reason: "missing")
        }
        guard let i = v.int else {
            throw FormatError.invalid(file: url.path, field: key, reason: "expected an integer, found \(v.type)")
        }
        return i
    }

    /// The number of elements of an array value without materializing anything new.
    public func arrayCount(_ key: String) -> Int? { metadata[key]?.array?.count }
}
