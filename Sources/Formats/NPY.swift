import Foundation
import LinearAlgebraCore

/// NumPy `.npy` files ↔ matrices (format versions 1.0, 2.0, 3.0; see ``NPYHeader`` for the layout).
///
/// Reading:
/// - dtypes `'<f4'` and `'<f8'` only; big-endian, integer and structured dtypes are rejected
///   (``FormatError/unsupported(file:field:value:)`` with field `descr`).
/// - A 2-D shape (r, c) reads as an r × c matrix. A 1-D shape (n,) reads as a single row, 1 × n.
///   Zero-sized shapes such as (0, n) or (0,) are fine; 0-D and ≥ 3-D arrays are rejected (field `shape`).
/// - `fortran_order: True` is transposed on read: the stored column-major r × c array becomes the same
///   r × c row-major matrix (NumPy writes Fortran order for arrays like `np.asfortranarray(a)` or `a.T`).
/// - The bytes are copied exactly, so NaN payloads and signed zeros survive.
///
/// Writing: always version 1.0 (2.0 if the header would not fit), C order, little-endian, the header
/// padded so the data starts at a multiple of 64 bytes, as NumPy does. The file appears atomically
/// (temporary file + rename); a failed write leaves any earlier file untouched.
///
/// Every malformed file becomes a ``FormatError`` naming the file and the field (`magic`, `version`,
/// `header_len`, `header`, `descr`, `fortran_order`, `shape`, `data length`); nothing is read out of bounds.
public enum NPY {
    /// The matrix in `url`, converted to `T` when the file holds the other precision
    /// (Double → Float rounds to nearest).
    public static func read<T: LinalgScalar>(_ url: URL, as _: T.Type = T.self) throws(FormatError) -> Matrix<T> {
        try readAny(url).matrix(as: T.self)
    }

    /// The matrix in `url` in the precision it was stored in.
    public static func readAny(_ url: URL) throws(FormatError) -> NPYArray {
        let file = try PositionalFileReader(url: url)
        let header = try NPYHeader.read(from: file)
        switch header.dtype {
        case .float32: return .float32(try matrix(file, header, Float.self))
        case .float64: return .float64(try matrix(file, header, Double.self))
        }
    }

    /// Only the header of `url` (validated, including the data length).
    public static func readHeader(_ url: URL) throws(FormatError) -> NPYHeader {
        try NPYHeader.read(from: PositionalFileReader(url: url))
    }

    /// Writes `m` as a 2-D array of shape (rows, cols) in `T`'s precision (`'<f4'` or `'<f8'`).
    public static func write<T: LinalgScalar>(_ m: Matrix<T>, to url: URL) throws(FormatError) {
        try write(m.elements, header: NPYHeader(dtype: NPYDType(scalar: T.self), shape: [m.rows, m.cols]), to: url)
    }

    /// Writes `values` as a 1-D array of shape (n,) (e.g. singular values for a notebook).
    public static func write<T: LinalgScalar>(vector values: [T], to url: URL) throws(FormatError) {
        try write(values, header: NPYHeader(dtype: NPYDType(scalar: T.self), shape: [values.count]), to: url)
    }

    // MARK: - Implementation

    private static func matrix<T: LinalgScalar>(
        _ file: PositionalFileReader, _ header: NPYHeader, _: T.Type
    ) throws(FormatError) -> Matrix<T> {
        let count = header.elementCount
        precondition(MemoryLayout<T>.size == header.dtype.itemSize)
        var failure: FormatError?
        var values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(FormatError) {
                try file.read(at: header.dataOffset, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        reverseBytesOnBigEndianHost(&values)
        let (rows, cols) = header.matrixShape
        if header.fortranOrder && header.shape.count == 2 {
            // Column-major r × c is row-major c × r: read that, then transpose.
            return Matrix(rows: cols, cols: rows, elements: values).transposed()
        }
        return Matrix(rows: rows, cols: cols, elements: values)
    }

    private static func write<T: LinalgScalar>(_ values: [T], header: NPYHeader, to url: URL) throws(FormatError) {
        let writer = try AtomicFileWriter(url: url)
        try writer.write(header.encoded())
        var little = values
        reverseBytesOnBigEndianHost(&little)
        var failure: FormatError?
        little.withUnsafeBytes { bytes in
            do throws(FormatError) { try writer.write(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        try writer.commit()
    }

    /// `.npy` data here is little-endian; on a big-endian host each element's bytes are reversed.
    @inline(__always)
    private static func reverseBytesOnBigEndianHost<T: LinalgScalar>(_ values: inout [T]) {
        #if _endian(big)
        let size = MemoryLayout<T>.size
        values.withUnsafeMutableBytes { bytes in
            for start in stride(from: 0, to: bytes.count, by: size) {
                var i = start, j = start + size - 1
                while i < j { bytes.swapAt(i, j); i += 1; j -= 1 }
            }
        }
        #endif
    }
}
