import GEMM
import LinearAlgebraCore

/// Running input statistics of one linear layer group, in Double:
///
///     G = Σ_batches XᵀX          (n × n, the Gram matrix of all calibration tokens' inputs)
///     a_j = Σ_t |x_tj|           (n, the absolute column sums ASVD scales by)
///     tokens = Σ_batches rows(X)
///
/// Each batch X (tokens × n, Float) goes straight to the Float → Double symmetric rank-k update (``syrk``, G ← G +
/// XᵀX on the lower triangle), no widened copy of X made, only the lower triangle computed; ``accumulation`` says
/// how: every product and sum in Double (``SYRKAccumulation/double``, X widened while packed), or each slab of KC
/// tokens summed in Float and the slabs' sums added into the Double G (``SYRKAccumulation/floatSlabs``: the Float
/// kernel, twice as fast). The upper triangle is mirrored once at the end by ``gram``. One window per call is as
/// fast as several (each macro-tile of G stays in cache across the depth slabs of a call, so a deeper call saves
/// nothing), so ``LayerProfile`` does not buffer windows.
public struct GramAccumulator: Sendable {
    public let dimension: Int
    /// n × n; only the lower triangle is current until ``gram`` mirrors it.
    private var lower: Matrix<Double>
    public private(set) var absoluteSums: [Double]
    public private(set) var tokens: Int = 0
    /// Rows and columns of G per SYRK macro-tile (one task; rounded up to the micro-kernel's granule);
    /// 0 = from the cache sizes (``SYRKParams/tile``).
    public var blockSize: Int
    /// How each batch's XᵀX is summed into G.
    public var accumulation: SYRKAccumulation

    public init(dimension n: Int, blockSize: Int = 0, accumulation: SYRKAccumulation = .double) {
        precondition(n > 0 && blockSize >= 0)
        dimension = n
        lower = Matrix(rows: n, cols: n)
        absoluteSums = [Double](repeating: 0, count: n)
        self.blockSize = blockSize
        self.accumulation = accumulation
    }

    /// Adds the statistics of X (tokens × n).
    public mutating func add(_ x: Matrix<Float>, parallelism: Parallelism = .serial) {
        precondition(x.cols == dimension, "GramAccumulator: batch has \(x.cols) columns, expected \(dimension)")
        let n = dimension, t = x.rows
        guard t > 0 else { return }
        x.elements.withUnsafeBufferPointer { e in
            absoluteSums.withUnsafeMutableBufferPointer { a in
                addAbsoluteColumnSums(e.baseAddress!, rows: t, cols: n, into: a.baseAddress!)
            }
        }
        tokens += t
        let params = SYRKParams(tile: blockSize)
        x.withView { xv in
            lower.withMutableView { g in
                syrk(xv, into: g, alpha: 1, beta: 1, accumulation: accumulation, variant: .parallel,
                     parallelism: parallelism, params: params)
            }
        }
    }

    /// Adds another accumulator's statistics (same dimension).
    public mutating func merge(_ other: GramAccumulator) {
        precondition(other.dimension == dimension)
        let n = dimension
        lower.elements.withUnsafeMutableBufferPointer { g in
            other.lower.elements.withUnsafeBufferPointer { h in
                for i in 0..<n { for j in 0...i { g[i * n + j] += h[i * n + j] } }
            }
        }
        for j in 0..<dimension { absoluteSums[j] += other.absoluteSums[j] }
        tokens += other.tokens
    }

    /// G = Σ XᵀX, symmetric, n × n.
    public var gram: Matrix<Double> {
        var g = lower
        let n = dimension
        g.elements.withUnsafeMutableBufferPointer { e in
            for i in 0..<n { for j in (i + 1)..<n { e[i * n + j] = e[j * n + i] } }
        }
        return g
    }

    /// G / N (N = the tokens accumulated, at least 1), symmetric, made in place from the accumulator's own
    /// storage: the accumulator is left without its Gram (``dimension`` 0 columns), so a large Gram is never held
    /// twice. For a consumer that needs nothing else of it (``whitening(_:layer:name:)``).
    public mutating func takeMeanGram() -> Matrix<Double> {
        var g = Matrix<Double>(rows: 0, cols: 0)
        swap(&g, &lower)
        let n = dimension, count = Double(Swift.max(1, tokens))
        g.elements.withUnsafeMutableBufferPointer { e in
            for i in 0..<n {
                for j in 0...i { e[i * n + j] /= count }
                for j in (i + 1)..<n { e[i * n + j] = e[j * n + i] }
            }
        }
        return g
    }

    /// Restores an accumulator from saved statistics (a profile cache).
    public init(gram: Matrix<Double>, absoluteSums: [Double], tokens: Int, blockSize: Int = 0,
                accumulation: SYRKAccumulation = .double) {
        precondition(gram.rows == gram.cols && absoluteSums.count == gram.rows)
        dimension = gram.rows
        lower = gram
        self.absoluteSums = absoluteSums
        self.tokens = tokens
        self.blockSize = blockSize
        self.accumulation = accumulation
    }
}

/// a[j] += |x[r, j]| for r = 0, 1, … (in that order, in Double; each |x| widened exactly) for a rows × cols row-major
/// Float x: row by row, four columns per SIMD vector.
func addAbsoluteColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into a: UnsafeMutablePointer<Double>) {
    let vectorEnd = cols / 4 * 4
    for r in 0..<rows {
        let row = x + r * cols
        var j = 0
        while j < vectorEnd {
            let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD4<Float>.self)
            let sum = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
                + SIMD4<Double>(v.replacing(with: -v, where: v .< 0))
            UnsafeMutableRawPointer(a + j).storeBytes(of: sum, as: SIMD4<Double>.self)
            j += 4
        }
        while j < cols {
            a[j] += Double(abs(row[j]))
            j += 1
        }
    }
}
