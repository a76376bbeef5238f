/// A dense row-major matrix that owns its elements.
///
/// Element (i, j) lives at `elements[i * cols + j]`. Kernels work on ``MatrixView`` /
/// ``MutableMatrixView``, which add a row stride so that sub-blocks need no copy.
public struct Matrix<T: LinalgScalar>: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// rows × cols, row-major, contiguous.
    public var elements: [T]

    /// A rows × cols matrix with every element equal to `value`.
    public init(rows: Int, cols: Int, repeating value: T = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative dimension \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.elements = [T](repeating: value, count: rows * cols)
    }

    /// Wraps row-major `elements` (count must be rows·cols).
    public init(rows: Int, cols: Int, elements: [T]) {
        precondition(rows >= 0 && cols >= 0 && elements.count == rows * cols,
                     "Matrix: \(elements.count) elements for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.elements = elements
    }

    /// A matrix whose element (i, j) is `f(i, j)`.
    @inlinable public init(rows: Int, cols: Int, _ f: (Int, Int) -> T) {
        var e = [T]()
        e.reserveCapacity(rows * cols)
        for i in 0..<rows { for j in 0..<cols { e.append(f(i, j)) } }
        self.init(rows: rows, cols: cols, elements: e)
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Entries drawn independently from N(0, 1) with a seeded generator.
    public static func gaussian(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols) { _, _ in T(g.nextGaussian()) }
    }

    /// Entries drawn independently and uniformly from [-1, 1) with a seeded generator.
    public static func uniform(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols) { _, _ in T(g.nextUniform() * 2 - 1) }
    }

    @inlinable public subscript(i: Int, j: Int) -> T {
        get { elements[i * cols + j] }
        set { elements[i * cols + j] = newValue }
    }

    public var shape: (rows: Int, cols: Int) { (rows, cols) }

    /// Aᵀ (a copy).
    public func transposed() -> Matrix {
        Matrix(rows: cols, cols: rows) { i, j in self[j, i] }
    }

    /// Converts every element to another precision (rounding to nearest when narrowing).
    ///
    /// Inlinable so that each (T, U) pair gets a specialized loop: the generic `map` it replaces cost 5 % of the
    /// compressor's factorization time in Swift's unspecialized witness calls.
    @inlinable public func converted<U: LinalgScalar>(to _: U.Type = U.self) -> Matrix<U> {
        let count = elements.count
        let out = [U](unsafeUninitializedCapacity: count) { dst, initialized in
            elements.withUnsafeBufferPointer { src in
                for i in 0..<count { dst[i] = U(src[i].asDouble) }
            }
            initialized = count
        }
        return Matrix<U>(rows: rows, cols: cols, elements: out)
    }

    /// ‖A‖_F = √(Σ aᵢⱼ²), accumulated in Double with scaling against overflow.
    public var frobeniusNorm: Double {
        elements.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return 0 }
            return scaledEuclideanNorm(base, count: buf.count)
        }
    }

    /// max |aᵢⱼ|.
    public var maxAbs: Double { elements.reduce(0.0) { Swift.max($0, abs($1.asDouble)) } }

    /// Rows `r` and columns `c` as a new matrix.
    public func submatrix(rows r: Range<Int>, cols c: Range<Int>) -> Matrix {
        Matrix(rows: r.count, cols: c.count) { i, j in self[r.lowerBound + i, c.lowerBound + j] }
    }

    /// Calls `body` with a read-only strided view of the whole matrix.
    @inlinable public func withView<R>(_ body: (MatrixView<T>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer { buf in
            try body(MatrixView(base: buf.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!,
                                rows: rows, cols: cols, rowStride: cols))
        }
    }

    /// Calls `body` with a mutable strided view of the whole matrix.
    @inlinable public mutating func withMutableView<R>(_ body: (MutableMatrixView<T>) throws -> R) rethrows -> R {
        let (r, c) = (rows, cols)
        return try elements.withUnsafeMutableBufferPointer { buf in
            try body(MutableMatrixView(
                base: buf.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!,
                rows: r, cols: c, rowStride: c))
        }
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var s = "Matrix<\(T.self)> \(rows)×\(cols)\n"
        for i in 0..<Swift.min(rows, 8) {
            s += (0..<Swift.min(cols, 8)).map { "\(self[i, $0])" }.joined(separator: " ")
            s += cols > 8 ? " …\n" : "\n"
        }
        if rows > 8 { s += "…\n" }
        return s
    }
}
