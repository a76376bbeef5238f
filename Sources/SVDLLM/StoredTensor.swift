import Formats
import LinearAlgebraCore
import TransformerRuntime

/// A source tensor as its file stores it, for a writer that copies it without widening it to f32 (the token
/// embedding and lm_head of a compressed model, which SVD-LLM leaves untouched).
///
/// The bytes are the mapped file's own, handed over when the writer reaches the tensor; the pages are given back
/// to the kernel afterwards.
struct StoredTensor {
    enum Encoding: Equatable {
        /// A safetensors element type (a folder's tensor, or a GGUF F32 / F16 / BF16 one).
        case elements(SafeTensorsDType)
        /// GGML blocks of a GGUF quantized type (rows of `type.rowBytes(cols)` bytes).
        case blocks(GGMLType)

        /// The GGML type of the same bytes (``SafeTensorsDType/ggmlType``: F32, F16 and BF16 are one value per block).
        var ggmlType: GGMLType {
            switch self {
            case let .blocks(type): return type
            case let .elements(dtype): return dtype.ggmlType!  // only float element types are made
            }
        }
    }

    let encoding: Encoding
    /// rows × cols, in Hugging Face row order.
    let rows: Int
    let cols: Int
    let bytes: SafeTensorsWriter.RawBytes

    /// A GGUF tensor in Hugging Face row order as stored: nil when its rows are stored permuted (llama q/k) or
    /// its type has no decoder, so that a reader could not take it back.
    static func gguf(_ file: GGUFFile, _ info: GGUFTensorInfo, config: ModelConfig) -> StoredTensor? {
        guard file.permutedHeads(info.name, config: config) == nil, info.type.canDequantize else { return nil }
        let encoding: Encoding
        switch info.type {
        case .f32: encoding = .elements(.f32)
        case .f16: encoding = .elements(.f16)
        case .bf16: encoding = .elements(.bf16)
        default: encoding = .blocks(info.type)
        }
        return StoredTensor(encoding: encoding, rows: info.rows, cols: info.cols) { body in
            defer { file.releaseTensorPages(info.name) }
            try body(file.tensorData(info))
        }
    }

    /// A folder's tensor of a float type, as stored; nil for other types or shapes of more than two axes.
    static func safeTensors(_ folder: SafeTensorsFolder, _ name: String) -> StoredTensor? {
        guard let info = folder.info(name), [.f32, .f16, .bf16].contains(info.dtype), (1...2).contains(info.shape.count) else {
            return nil
        }
        return StoredTensor(encoding: .elements(info.dtype), rows: info.rows, cols: info.cols) { body in
            defer { folder.releaseTensorPages(name) }
            try body(try folder.tensorData(name))
        }
    }

    /// A folder's ``GGMLBlockTensors`` tensor (`<stem>.ggml_<type>`, U8 rows × row bytes) as the `<stem>.weight`
    /// matrix it stands for; nil for any other tensor, an error for such a name whose shape is not whole blocks.
    static func ggmlBlocks(_ folder: SafeTensorsFolder, _ name: String) throws -> (name: String, tensor: StoredTensor)? {
        guard let (_, type) = GGMLBlockTensors.parse(name), let info = folder.info(name) else { return nil }
        guard let m = GGMLBlockTensors.matrix(of: info) else {
            throw CompressionError.invalidArgument(name: name, reason: "\(info.dtype.rawValue) \(info.shape) is not U8 rows of whole \(type) blocks")
        }
        return (m.name, StoredTensor(encoding: .blocks(type), rows: m.rows, cols: m.cols) { body in
            defer { folder.releaseTensorPages(name) }
            try body(try folder.tensorData(name))
        })
    }

    /// The values widened to f32 (rows × cols), for a writer that does not keep the stored type.
    func widened() throws -> Matrix<Float> {
        var m = Matrix<Float>(rows: rows, cols: cols)
        try bytes { data in
            m.elements.withUnsafeMutableBufferPointer {
                GGMLBlockTensors.decode(data, type: encoding.ggmlType, cols: cols, rows: 0..<rows, into: $0.baseAddress!)
            }
        }
        return m
    }
}
