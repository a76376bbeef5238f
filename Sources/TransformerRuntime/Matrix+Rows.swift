import LinearAlgebraCore

/// Row-parallel helpers for the activations (tokens × features, Float) of the forward pass.
extension Matrix where T == Float {
    /// A rows × cols matrix every element of which `fill` writes (the storage is not zeroed first).
    static func filling(rows: Int, cols: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Matrix<Float> {
        let count = rows * cols
        let e = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { fill(buffer.baseAddress!) }
            initialized = count
        }
        return Matrix(rows: rows, cols: cols, elements: e)
    }

    /// Runs `body(rows)` on disjoint row ranges of `self`, in parallel when there are enough elements for a fork
    /// to pay (≥ 64 Ki), with a pointer to row 0.
    mutating func withRowRanges(parallelism: Parallelism,
                                _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let threads = rows * cols >= 1 << 16 ? parallelism : .serial
        let n = rows
        elements.withUnsafeMutableBufferPointer { e in
            guard let base = e.baseAddress else { return }
            threads.forEachRange(n) { body($0, base) }
        }
    }

    /// self += other, elementwise (the residual connection).
    mutating func add(_ other: Matrix<Float>, parallelism: Parallelism = .serial) {
        precondition(rows == other.rows && cols == other.cols)
        let n = cols
        other.elements.withUnsafeBufferPointer { b in
            let src = b.baseAddress!
            withRowRanges(parallelism: parallelism) { r, dst in
                VectorMath.add(dst + r.lowerBound * n, src + r.lowerBound * n, count: r.count * n)
            }
        }
    }

    /// Adds `v` (cols values) to every row.
    mutating func addRowVector(_ v: [Float]) {
        precondition(v.count == cols)
        let n = cols
        v.withUnsafeBufferPointer { b in
            withRowRanges(parallelism: .serial) { r, e in
                for i in r { VectorMath.add(e + i * n, b.baseAddress!, count: n) }
            }
        }
    }
}
