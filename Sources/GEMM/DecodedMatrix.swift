import LinearAlgebraCore

/// The rows of a weight matrix held in a form only a decoder reads: a mapped file's tensor in a block type that
/// has no product kernel of its own (GGUF Q4_K, Q6_K, …), or a safetensors tensor read in place.
///
/// Nothing is widened up front: a product decodes the rows it needs into a scratch panel and multiplies that
/// (``WeightMatrix/gemv(_:rows:into:beta:variant:parallelism:params:)``, ``WeightMatrix/multiply(_:rows:into:beta:parallelism:params:)``),
/// so memory holds the stored bytes (mapped: only the pages touched) plus one panel per worker.
public protocol RowDecoder: Sendable {
    var rows: Int { get }
    var cols: Int { get }
    /// Bytes of the stored rows (what a product streams).
    var byteCount: Int { get }
    /// The stored type, for reports ("Q4_K", "F16", …).
    var formatName: String { get }
    /// Rows `r` widened to f32 into `out` (r.count × cols, row stride `ld`). Must be callable from several
    /// threads at once (disjoint outputs).
    func decodeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int)
    /// Calls `body` with each stored buffer.
    func withStoredBytes(_ body: (UnsafeRawBufferPointer) -> Void)
    /// Gives the stored pages back to the kernel (mapped files: `madvise(MADV_DONTNEED)`; they are read again
    /// from the file when next used). A no-op where the bytes are not mapped.
    func releasePages()
}

/// A weight matrix read through a ``RowDecoder``: a reference to stored bytes, compared by identity.
public final class DecodedMatrix: Sendable, Equatable {
    public let decoder: any RowDecoder

    public init(_ decoder: any RowDecoder) { self.decoder = decoder }

    public var rows: Int { decoder.rows }
    public var cols: Int { decoder.cols }

    public static func == (a: DecodedMatrix, b: DecodedMatrix) -> Bool { a === b }

    /// Rows decoded per step of a one-token product: a panel of 16 rows stays in L1/L2 while its dot products run.
    static let gemvPanelRows = 16

    /// y[j] ← W[j]·x + β·y[j] for j in `rows`: 16 rows decoded into a scratch panel, then multiplied.
    func gemv(x: UnsafePointer<Float>, rows range: Range<Int>, y: UnsafeMutablePointer<Float>, beta: Float,
              params: GEMMParams) {
        let n = cols, step = Self.gemvPanelRows
        withUnsafeTemporaryAllocation(of: Float.self, capacity: step * n) { buf in
            let panel = buf.baseAddress!  // step × n
            for r0 in stride(from: range.lowerBound, to: range.upperBound, by: step) {
                let r1 = Swift.min(range.upperBound, r0 + step)
                decoder.decodeRows(r0..<r1, into: panel, ld: n)
                gemm(.none, MatrixView(base: x, rows: 1, cols: n, rowStride: n), .transposed,
                     MatrixView(base: panel, rows: r1 - r0, cols: n, rowStride: n),
                     into: MutableMatrixView(base: y + r0, rows: 1, cols: r1 - r0, rowStride: r1 - r0),
                     alpha: 1, beta: beta, parallelism: .serial, params: params)
            }
        }
    }
}

/// A ``RowDecoder`` over an f32 matrix in memory: the reference the decoded products are tested against.
public struct MatrixRowDecoder: RowDecoder {
    public let matrix: Matrix<Float>
    public init(_ matrix: Matrix<Float>) { self.matrix = matrix }
    public var rows: Int { matrix.rows }
    public var cols: Int { matrix.cols }
    public var byteCount: Int { 4 * matrix.elements.count }
    public var formatName: String { "F32" }
    public func decodeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        matrix.elements.withUnsafeBufferPointer { e in
            for (k, i) in r.enumerated() { (out + k * ld).update(from: e.baseAddress! + i * cols, count: cols) }
        }
    }
    public func withStoredBytes(_ body: (UnsafeRawBufferPointer) -> Void) { matrix.elements.withUnsafeBytes(body) }
    public func releasePages() {}
}
