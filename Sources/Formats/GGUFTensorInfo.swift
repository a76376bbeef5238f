/// Where one tensor lives in a GGUF file and how it is encoded.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions as stored: fastest-varying axis first (`dims[0]` = elements per row).
    public let dims: [Int]
    public let type: GGMLType
    /// Byte offset relative to the start of the data section (a multiple of the file's alignment).
    public let offset: Int
    /// Bytes of encoded data: (dims[0] / blockSize) · typeSize · dims[1] · dims[2] ⋯
    public let byteCount: Int

    /// Elements per row (the fastest axis).
    public var cols: Int { dims.first ?? 1 }
    /// Rows: the product of every axis but the fastest (1 for a 1-D tensor).
    public var rows: Int { dims.dropFirst().reduce(1, *) }
    public var elementCount: Int { rows * cols }
    /// Bytes of one encoded row.
    public var rowBytes: Int { cols / type.blockSize * type.typeSize }
    /// The shape in row-major (PyTorch/NumPy) order: slowest axis first.
    public var shape: [Int] { dims.reversed() }
}
