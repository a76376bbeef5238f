/// Where everything of a GGUF v3 file will sit, computed from its metadata and tensor shapes alone, before any
/// tensor data exists (so a writer can put the header first and then stream the data).
///
/// ```
/// header   = "GGUF" u32 3  u64 tensor_count  u64 kv_count  kv pairs  tensor infos   (``GGUFEncoder``)
/// dataOffset = ⌈|header| / A⌉ · A                                  (A = general.alignment, default 32)
/// bytes(t) = dims[0] / blockSize · typeSize · dims[1] ⋯ dims[n−1]
/// offset(t₀) = 0,  offset(tᵢ₊₁) = ⌈(offset(tᵢ) + bytes(tᵢ)) / A⌉ · A      (relative to dataOffset)
/// fileSize = dataOffset + ⌈(offset(t_last) + bytes(t_last)) / A⌉ · A
/// ```
/// Every tensor's data, the last one's included, is padded with zeros to the alignment, as llama.cpp's writer does.
/// Construction checks what ``GGUFFile`` would refuse, so a planned file always reads back: unique keys and tensor
/// names, well-formed arrays (every element of the declared type, nesting ≤ ``GGUFFile/maxArrayDepth``), a uint32
/// power-of-two `general.alignment`, 1…4 dims, dims[0] a multiple of the type's block size, no size overflow.
public struct GGUFLayout: Sendable {
    /// A tensor to be written: its name, dims (fastest first: dims[0] = elements per row) and ggml type.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var dims: [Int]
        public var type: GGMLType
        public init(name: String, dims: [Int], type: GGMLType) {
            self.name = name
            self.dims = dims
            self.type = type
        }
    }

    /// The GGUF version written (3).
    public static let version: UInt32 = 3

    /// The metadata pairs in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// The tensors in file order, with their offsets (relative to the data section) and byte counts.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Every byte before the data section, zero-padded to the alignment.
    public let header: [UInt8]
    /// The total size of the file.
    public let fileSize: Int

    /// The absolute offset of the data section (= `header.count`).
    public var dataOffset: Int { header.count }

    /// Plans the file; `file` names the destination in errors.
    /// - Throws: ``FormatError/invalid(file:field:reason:)`` naming the offending key or tensor field.
    public init(metadata: [(key: String, value: GGUFValue)], tensors: [Tensor], file: String) throws(FormatError) {
        var keys = Set<String>()
        for (key, value) in metadata {
            guard keys.insert(key).inserted else {
                throw FormatError.invalid(file: file, field: key, reason: "duplicate metadata key")
            }
            try Self.check(value, field: key, depth: 0, file: file)
        }
        var alignment = 32
        if let a = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard case let .uint32(v) = a, v > 0, v & (v - 1) == 0 else {
                throw FormatError.invalid(file: file, field: "general.alignment",
                                          reason: "must be a uint32 power of two, is \(a)")
            }
            alignment = Int(v)
        }

        var infos = [GGUFTensorInfo]()
        infos.reserveCapacity(tensors.count)
        var names = Set<String>()
        var next = 0
        for t in tensors {
            let field = "tensor '\(t.name)'"
            guard names.insert(t.name).inserted else {
                throw FormatError.invalid(file: file, field: "\(field).name", reason: "duplicate tensor name")
            }
            guard (1...GGUFFile.maxDims).contains(t.dims.count) else {
                throw FormatError.invalid(file: file, field: "\(field).n_dims",
                                          reason: "\(t.dims.count) is not in 1...\(GGUFFile.maxDims)")
            }
            guard t.dims.allSatisfy({ $0 >= 0 }) else {
                throw FormatError.invalid(file: file, field: "\(field).dims", reason: "\(t.dims) has a negative entry")
            }
            guard t.dims[0] % t.type.blockSize == 0 else {
                throw FormatError.invalid(file: file, field: "\(field).dims[0]",
                                          reason: "\(t.dims[0]) is not a multiple of the \(t.type) block size "
                                                  + "\(t.type.blockSize)")
            }
            var bytes = t.dims[0] / t.type.blockSize * t.type.typeSize
            var overflow = false
            for d in t.dims.dropFirst() {
                let (p, o) = bytes.multipliedReportingOverflow(by: d)
                bytes = p
                overflow = overflow || o
            }
            let (end, o) = next.addingReportingOverflow(bytes)
            guard !overflow, !o, end <= Int.max - alignment else {
                throw FormatError.invalid(file: file, field: "\(field).dims", reason: "byte size overflows")
            }
            infos.append(GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, offset: next, byteCount: bytes))
            next = Self.aligned(end, alignment)
        }

        var e = GGUFEncoder()
        e.append(contentsOf: "GGUF".utf8)
        e.append(Self.version)
        e.append(UInt64(infos.count))
        e.append(UInt64(metadata.count))
        for (key, value) in metadata { e.append(key: key, value: value) }
        for t in infos { e.append(tensor: t.name, dims: t.dims, type: t.type, offset: t.offset) }
        e.pad(to: alignment)

        self.metadata = metadata
        self.tensors = infos
        self.alignment = alignment
        self.header = e.bytes
        self.fileSize = e.count + next
    }

    /// `n` rounded up to a multiple of `alignment`.
    static func aligned(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Throws unless every element of every array in `value` has its array's element type, within the depth limit.
    private static func check(_ value: GGUFValue, field: String, depth: Int, file: String) throws(FormatError) {
        guard case let .array(elementType, values) = value else { return }
        guard depth < GGUFFile.maxArrayDepth else {
            throw FormatError.invalid(file: file, field: field,
                                      reason: "arrays nested deeper than \(GGUFFile.maxArrayDepth)")
        }
        for (i, v) in values.enumerated() {
            guard v.type == elementType else {
                throw FormatError.invalid(file: file, field: "\(field)[\(i)]",
                                          reason: "is \(v.type) in an array of \(elementType)")
            }
            try check(v, field: field, depth: depth + 1, file: file)
        }
    }
}
