import Formats
import GEMM
import LinearAlgebraCore

/// A GGUF tensor read in place from the mapped file (``WeightStorage/mapped``): rows decoded with the file's
/// dequantization kernel as products need them, in Hugging Face row order (llama attn_q / attn_k rows are taken
/// through ``QKPermutation/ggufRow(ofHuggingFaceRow:rows:heads:)``, one at a time).
struct GGUFRowDecoder: RowDecoder {
    let file: GGUFFile
    let info: GGUFTensorInfo
    /// Heads of the q/k permutation when the stored rows are permuted; nil = stored in Hugging Face order.
    let permutedHeads: Int?

    /// Throws when the tensor's type has no dequantization kernel or its rows do not split into the heads.
    init(file: GGUFFile, info: GGUFTensorInfo, permutedHeads: Int?) throws(FormatError) {
        guard Dequantize.kernel(for: info.type) != nil else {
            throw FormatError.unsupported(file: file.url.path, field: "tensor '\(info.name)'.type",
                                          value: "\(info.type) (no dequantization kernel)")
        }
        if let h = permutedHeads, h <= 0 || info.rows % (2 * h) != 0 {
            throw FormatError.invalid(file: file.url.path, field: "tensor '\(info.name)'",
                                      reason: "\(info.rows) rows do not split into \(h) heads of an even size")
        }
        self.file = file
        self.info = info
        self.permutedHeads = permutedHeads
    }

    var rows: Int { info.rows }
    var cols: Int { info.cols }
    var byteCount: Int { info.rows * info.rowBytes }
    var formatName: String { "\(info.type)" }

    func decodeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        func decode(_ source: Range<Int>, _ dst: UnsafeMutablePointer<Float>) {
            do {
                try file.dequantizeRows(info, rows: source, into: UnsafeMutableBufferPointer(start: dst, count: source.count * cols))
            } catch {
                preconditionFailure("GGUFRowDecoder: \(error)")  // the type and range were checked at init
            }
        }
        if permutedHeads == nil && ld == cols {
            decode(r, out)
            return
        }
        for (k, row) in r.enumerated() {
            let source = permutedHeads.map { QKPermutation.ggufRow(ofHuggingFaceRow: row, rows: rows, heads: $0) } ?? row
            decode(source..<source + 1, out + k * ld)
        }
    }

    func withStoredBytes(_ body: (UnsafeRawBufferPointer) -> Void) { body(file.tensorData(info)) }

    func releasePages() { file.releaseTensorPages(info.name) }
}

