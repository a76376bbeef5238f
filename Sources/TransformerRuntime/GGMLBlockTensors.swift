import Formats
import GEMM
import LinearAlgebraCore

/// A matrix kept in a Hugging Face folder in the GGML block type its GGUF source stored it in (a compressed
/// model's token embedding and lm_head, copied as they are): tensor `<stem>.ggml_<type>` (e.g.
/// `model.embed_tokens.ggml_q6_k`), U8, rows × `type.rowBytes(cols)`, each row its cols / blockSize blocks as
/// llama.cpp lays them out. It stands for `<stem>.weight` (rows × cols); cols comes from the model's config.
public enum GGMLBlockTensors {
    /// The tensor name for `stem` stored as `type`.
    public static func name(stem: String, type: GGMLType) -> String { "\(stem).ggml_\(type.description.lowercased())" }

    /// Bytes of one row of `cols` values of `type`; nil when `cols` is not a whole number of blocks.
    public static func rowBytes(cols: Int, type: GGMLType) -> Int? {
        cols % type.blockSize == 0 ? cols / type.blockSize * type.typeSize : nil
    }

    /// The stem and block type of a tensor named `<stem>.ggml_<type>`, for a type with a decoder; nil otherwise.
    public static func parse(_ name: String) -> (stem: String, type: GGMLType)? {
        guard let dot = name.range(of: ".ggml_", options: .backwards) else { return nil }
        let suffix = name[dot.upperBound...]
        guard let type = GGMLType.allCases.first(where: { $0.canDequantize && $0.description.lowercased() == suffix }) else {
            return nil
        }
        return (String(name[..<dot.lowerBound]), type)
    }

    /// The columns of rows of `rowBytes` bytes of `type`; nil unless they are whole blocks.
    public static func cols(rowBytes: Int, type: GGMLType) -> Int? {
        rowBytes % type.typeSize == 0 ? rowBytes / type.typeSize * type.blockSize : nil
    }

    /// What a folder's tensor `<stem>.ggml_<type>` (U8, rows × row bytes) stands for: `<stem>.weight`, rows × cols
    /// of `type`; nil for any other name, type or shape (not two axes of whole blocks).
    public static func matrix(of info: SafeTensorsTensorInfo) -> (name: String, type: GGMLType, rows: Int, cols: Int)? {
        guard let (stem, type) = parse(info.name), info.dtype == .u8, info.shape.count == 2,
              let cols = cols(rowBytes: info.shape[1], type: type) else { return nil }
        return (stem + ".weight", type, info.shape[0], cols)
    }

    /// Rows `r` of a tensor of `type`, `cols` wide, from its blocks (`bytes`: rows × rowBytes) into `out`
    /// (r.count × cols, row-major).
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: GGMLType, cols: Int, rows r: Range<Int>,
                              into out: UnsafeMutablePointer<Float>) {
        guard !r.isEmpty, cols > 0, let base = bytes.baseAddress, let kernel = Dequantize.kernel(for: type),
              let rowBytes = rowBytes(cols: cols, type: type) else { return }
        kernel(base + r.lowerBound * rowBytes, out, r.count * (cols / type.blockSize))
    }

    /// The stored block type and tensor name standing for `<stem>.weight` in `folder`, if any.
    static func find(stem: String, in folder: SafeTensorsFolder) -> (name: String, type: GGMLType)? {
        for type in GGMLType.allCases where type.canDequantize {
            let n = name(stem: stem, type: type)
            if folder.info(n) != nil { return (n, type) }
        }
        return nil
    }
}

/// Rows of a ``GGMLBlockTensors`` tensor decoded in place from the mapped safetensors file (``RowDecoder``).
struct GGMLBlocksRowDecoder: RowDecoder {
    let file: SafeTensorsFile
    let name: String
    let type: GGMLType
    let rows: Int
    let cols: Int
    nonisolated(unsafe) let data: UnsafeRawBufferPointer  // inside `file`, which lives as long as this value

    /// Throws unless tensor `name` of `file` is U8 rows × rowBytes(cols, type) and `type` has a decoder.
    init(file: SafeTensorsFile, name: String, type: GGMLType, rows: Int, cols: Int) throws {
        guard let info = file.info(name) else { throw RuntimeError.missingTensor(file: file.url.path, name: name) }
        guard type.canDequantize else {
            throw RuntimeError.invalidInput(argument: name, reason: "\(type) has no decoder")
        }
        guard let rowBytes = GGMLBlockTensors.rowBytes(cols: cols, type: type) else {
            throw RuntimeError.invalidInput(argument: name, reason: "\(cols) columns are not whole \(type) blocks of \(type.blockSize)")
        }
        guard info.dtype == .u8 else {
            throw RuntimeError.invalidInput(argument: name, reason: "dtype \(info.dtype.rawValue), expected U8")
        }
        guard info.shape == [rows, rowBytes] else {
            throw RuntimeError.shapeMismatch(file: file.url.path, name: name, expected: [rows, rowBytes], got: info.shape)
        }
        self.file = file
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = try file.tensorData(name)
    }

    var byteCount: Int { data.count }
    var formatName: String { "\(type)" }

    func decodeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        if ld == cols {
            GGMLBlockTensors.decode(data, type: type, cols: cols, rows: r, into: out)
            return
        }
        for (k, row) in r.enumerated() { GGMLBlockTensors.decode(data, type: type, cols: cols, rows: row..<row + 1, into: out + k * ld) }
    }

    func withStoredBytes(_ body: (UnsafeRawBufferPointer) -> Void) { body(data) }

    func releasePages() { file.releaseTensorPages(name) }
}
