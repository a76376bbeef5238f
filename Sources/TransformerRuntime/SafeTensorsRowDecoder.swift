import Formats
import GEMM
import LinearAlgebraCore

/// A safetensors tensor (F32, F16 or BF16) read in place from its mapped file (``WeightStorage/mapped``): rows
/// widened as products need them (rows = the product of all axes but the last).
public struct SafeTensorsRowDecoder: RowDecoder {
    public let file: SafeTensorsFile
    public let info: SafeTensorsTensorInfo
    nonisolated(unsafe) let data: UnsafeRawBufferPointer  // inside `file`, which lives as long as this value
    nonisolated(unsafe) let kernel: Dequantize.Kernel  // a pure function

    /// Throws when `file` has no tensor `name` or it is not a float type.
    public init(file: SafeTensorsFile, name: String) throws(FormatError) {
        guard let info = file.info(name) else {
            throw FormatError.invalid(file: file.url.path, field: name, reason: "no such tensor")
        }
        guard let type = info.dtype.ggmlType else {
            throw FormatError.unsupported(file: file.url.path, field: "\(name).dtype",
                                          value: "\(info.dtype.rawValue) (not a float type)")
        }
        self.kernel = Dequantize.kernel(for: type)!
        self.file = file
        self.info = info
        self.data = try file.tensorData(name)
    }

    public var rows: Int { info.rows }
    public var cols: Int { info.cols }
    public var byteCount: Int { data.count }
    public var formatName: String { info.dtype.rawValue }

    public func decodeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        guard !r.isEmpty, cols > 0, let base = data.baseAddress else { return }
        let size = info.dtype.size
        if ld == cols {
            kernel(base + r.lowerBound * cols * size, out, r.count * cols)
            return
        }
        for (k, row) in r.enumerated() { kernel(base + row * cols * size, out + k * ld, cols) }
    }

    public func withStoredBytes(_ body: (UnsafeRawBufferPointer) -> Void) { body(data) }

    public func releasePages() { file.releaseTensorPages(info.name) }
}
