import GEMM
import LinearAlgebraCore

/// Running input statistics of one linear layer group, in Double:
///
///     G = Σ_batches XᵀX          (n × n, the Gram matrix of all calibration tokens' inputs)
///     a_j = Σ_t |x_tj|           (n, the absolute column sums ASVD scales by)
///     tokens = Σ_batches rows(X)
///
/// Each batch X (tokens × n, Float) is widened to Double and multiplied block by block: only the blocks on and
/// below the diagonal are computed (GEMMs of `blockSize` columns, run in parallel over the block pairs), the
/// upper triangle is mirrored once at the end by ``gram``.
public struct GramAccumulator: Sendable {
    public let dimension: Int
    /// n × n; only the lower block triangle is current until ``gram`` mirrors it.
    private var lower: Matrix<Double>
    public private(set) var absoluteSums: [Double]
    public private(set) var tokens: Int = 0
    /// Column block of the lower-triangle GEMMs.
    public var blockSize: Int

    public init(dimension n: Int, blockSize: Int = 192) {
        precondition(n > 0 && blockSize > 0)
        dimension = n
        lower = Matrix(rows: n, cols: n)
        absoluteSums = [Double](repeating: 0, count: n)
        self.blockSize = blockSize
    }

    /// Adds the statistics of X (tokens × n).
    public mutating func add(_ x: Matrix<Float>, parallelism: Parallelism = .serial) {
        precondition(x.cols == dimension, "GramAccumulator: batch has \(x.cols) columns, expected \(dimension)")
        let n = dimension, t = x.rows
        guard t > 0 else { return }
        var xd = Matrix<Double>(rows: t, cols: n)  // tokens × n, widened
        x.elements.withUnsafeBufferPointer { src in
            xd.elements.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(t * n) { dst[i] = Double(src[i]) }
            }
        }
        absoluteSums.withUnsafeMutableBufferPointer { a in
            xd.elements.withUnsafeBufferPointer { e in
                for r in 0..<t {
                    let row = r * n
                    for j in 0..<n { a[j] += abs(e[row + j]) }
                }
            }
        }
        tokens += t
        let b = blockSize
        let blocks = (n + b - 1) / b
        var pairs: [(Int, Int)] = []  // (i, j), j ≤ i: block rows/cols of G's lower triangle
        for i in 0..<blocks { for j in 0...i { pairs.append((i, j)) } }
        // Large pairs first so the threads finish together.
        xd.withView { xv in
            lower.withMutableView { g in
                parallelism.forEach(pairs.count) { p in
                    let (i, j) = pairs[p]
                    let ri = (i * b)..<Swift.min(n, (i + 1) * b), rj = (j * b)..<Swift.min(n, (j + 1) * b)
                    gemm(.transposed, xv.block(rows: 0..<t, cols: ri), .none, xv.block(rows: 0..<t, cols: rj),
                         into: g.block(rows: ri, cols: rj), alpha: 1, beta: 1, variant: .blocked)
                }
            }
        }
    }

    /// Adds another accumulator's statistics (same dimension).
    public mutating func merge(_ other: GramAccumulator) {
        precondition(other.dimension == dimension)
        let full = other.gram
        for i in 0..<dimension { for j in 0...i { lower.elements[i * dimension + j] += full.elements[i * dimension + j] } }
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

    /// Restores an accumulator from saved statistics (a profile cache).
    public init(gram: Matrix<Double>, absoluteSums: [Double], tokens: Int, blockSize: Int = 192) {
        precondition(gram.rows == gram.cols && absoluteSums.count == gram.rows)
        dimension = gram.rows
        lower = gram
        self.absoluteSums = absoluteSums
        self.tokens = tokens
        self.blockSize = blockSize
    }
}
