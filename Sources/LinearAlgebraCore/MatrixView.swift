/// A read-only, non-owning view of a row-major matrix with a row stride (leading dimension).
///
/// Element (i, j) is at `base[i * rowStride + j]`; `rowStride ≥ cols`. Valid only inside the
/// closure that produced it (``Matrix/withView(_:)``) or while the caller keeps the memory alive.
public struct MatrixView<T: LinalgScalar>: @unchecked Sendable {
    public let base: UnsafePointer<T>
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    @inlinable public init(base: UnsafePointer<T>, rows: Int, cols: Int, rowStride: Int) {
        precondition(rows >= 0 && cols >= 0 && (rows <= 1 || rowStride >= cols),
                     "MatrixView: bad shape \(rows)×\(cols) stride \(rowStride)")
        self.base = base
        self.rows = rows
        self.cols = cols
        self.rowStride = rowStride
    }

    @inlinable public subscript(i: Int, j: Int) -> T { base[i * rowStride + j] }

    /// The block of rows `r` and columns `c` (no copy).
    @inlinable public func block(rows r: Range<Int>, cols c: Range<Int>) -> MatrixView {
        precondition(r.lowerBound >= 0 && r.upperBound <= rows && c.lowerBound >= 0 && c.upperBound <= cols,
                     "MatrixView.block out of range")
        return MatrixView(base: base + r.lowerBound * rowStride + c.lowerBound,
                          rows: r.count, cols: c.count, rowStride: rowStride)
    }

    /// A copy as an owning matrix.
    public func toMatrix() -> Matrix<T> { Matrix(rows: rows, cols: cols) { self[$0, $1] } }
}

/// A mutable, non-owning view of a row-major matrix with a row stride. See ``MatrixView``.
public struct MutableMatrixView<T: LinalgScalar>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    @inlinable public init(base: UnsafeMutablePointer<T>, rows: Int, cols: Int, rowStride: Int) {
        precondition(rows >= 0 && cols >= 0 && (rows <= 1 || rowStride >= cols),
                     "MutableMatrixView: bad shape \(rows)×\(cols) stride \(rowStride)")
        self.base = base
        self.rows = rows
        self.cols = cols
        self.rowStride = rowStride
    }

    @inlinable public subscript(i: Int, j: Int) -> T {
        get { base[i * rowStride + j] }
        nonmutating set { base[i * rowStride + j] = newValue }
    }

    /// The block of rows `r` and columns `c` (no copy).
    @inlinable public func block(rows r: Range<Int>, cols c: Range<Int>) -> MutableMatrixView {
        precondition(r.lowerBound >= 0 && r.upperBound <= rows && c.lowerBound >= 0 && c.upperBound <= cols,
                     "MutableMatrixView.block out of range")
        return MutableMatrixView(base: base + r.lowerBound * rowStride + c.lowerBound,
                                 rows: r.count, cols: c.count, rowStride: rowStride)
    }

    /// The same memory, read-only.
    @inlinable public var readOnly: MatrixView<T> {
        MatrixView(base: UnsafePointer(base), rows: rows, cols: cols, rowStride: rowStride)
    }

    /// Sets every element to `value`.
    @inlinable public func fill(_ value: T) {
        for i in 0..<rows { (base + i * rowStride).update(repeating: value, count: cols) }
    }

    /// Copies `source` (same shape) into this view.
    @inlinable public func copy(from source: MatrixView<T>) {
        precondition(source.rows == rows && source.cols == cols, "MutableMatrixView.copy: shape mismatch")
        for i in 0..<rows { (base + i * rowStride).update(from: source.base + i * source.rowStride, count: cols) }
    }

    /// A copy as an owning matrix.
    public func toMatrix() -> Matrix<T> { readOnly.toMatrix() }
}
