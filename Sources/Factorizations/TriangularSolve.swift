import GEMM
import LinearAlgebraCore

/// Solves a triangular system with many right-hand sides in place (BLAS TRSM):
/// B ← α·op(A)⁻¹·B (`side: .left`, op(A)·X = α·B) or B ← α·B·op(A)⁻¹ (`side: .right`, X·op(A) = α·B).
///
/// `a` is n × n and only its `part` triangle is read (and its diagonal unless `diagonal == .unit`);
/// op(A) = A or Aᵀ. B is n × p (left) or p × n (right). A zero diagonal gives Inf/NaN, as in the BLAS.
/// `.blocked` splits op(A) recursively at n/2: for op(A) lower and side left,
///     X₁ = op(A)₁₁⁻¹·B₁,   B₂ ← B₂ − op(A)₂₁·X₁ (GEMM),   X₂ = op(A)₂₂⁻¹·B₂,
/// down to diagonal blocks of at most `params.blockSize`, solved by substitution on a packed copy.
/// Right-hand sides are independent, so with `parallelism` they are split over the threads (columns of B for
/// left, rows for right); when there are too few of them, the GEMM updates get the threads instead.
@specialized(where T == Float)
@specialized(where T == Double)
public func triangularSolve<T: GEMMScalar>(
    side: Side, part: TriangularPart, transpose: Transpose = .none, diagonal: Diagonal = .nonUnit,
    _ a: MatrixView<T>, _ b: MutableMatrixView<T>, alpha: T = 1,
    variant: TriangularSolveVariant = .blocked, params: TriangularSolveParams = .default,
    parallelism: Parallelism = .serial
) {
    precondition(a.rows == a.cols, "triangularSolve: argument 'a' must be square, got \(a.rows)×\(a.cols)")
    let n = a.rows
    let solved = side == .left ? b.rows : b.cols
    precondition(solved == n, "triangularSolve: argument 'b' is \(b.rows)×\(b.cols), its \(side == .left ? "rows" : "columns") must match 'a' (\(n)×\(n))")
    switch variant {
    case .naive:
        triangularSolveNaive(side: side, part: part, transpose: transpose, diagonal: diagonal, a, b, alpha: alpha)
    case .blocked:
        triangularSolveBlocked(side: side, part: part, transpose: transpose, diagonal: diagonal, a, b,
                               alpha: alpha, params: params, parallelism: parallelism)
    }
}

/// The blocked variant (see ``triangularSolve(side:part:transpose:diagonal:_:_:alpha:variant:params:parallelism:)``).
func triangularSolveBlocked<T: GEMMScalar>(
    side: Side, part: TriangularPart, transpose: Transpose, diagonal: Diagonal,
    _ a: MatrixView<T>, _ b: MutableMatrixView<T>, alpha: T, params: TriangularSolveParams, parallelism: Parallelism
) {
    let n = a.rows
    guard n > 0, b.rows > 0, b.cols > 0 else { return }
    b.scaleAll(by: alpha)
    if alpha == 0 { return }
    let rhs = side == .left ? b.cols : b.rows
    let solver = RecursiveTriangularSolver(side: side, lower: part.effective(transpose) == .lower,
                                           transpose: transpose, diagonal: diagonal,
                                           leaf: Swift.max(1, params.blockSize))
    let flops = Double(n) * Double(n) * Double(rhs)
    let split = !parallelism.isSerial && flops >= params.parallelFlopThreshold
        && rhs >= 2 * params.parallelGranule
    let leafCount = Swift.min(n, solver.leaf)
    if split {
        parallelism.forEachRange(rhs, granule: params.parallelGranule) { range in
            let pack = UnsafeMutablePointer<T>.allocate(capacity: leafCount * leafCount)  // leaf × leaf
            defer { pack.deallocate() }
            let slice = side == .left ? b.block(rows: 0..<b.rows, cols: range) : b.block(rows: range, cols: 0..<b.cols)
            solver.solve(a, slice, pack: pack, parallelism: .serial)
        }
    } else {
        let pack = UnsafeMutablePointer<T>.allocate(capacity: leafCount * leafCount)  // leaf × leaf
        defer { pack.deallocate() }
        solver.solve(a, b, pack: pack, parallelism: parallelism)
    }
}

/// The recursion of the blocked triangular solve on one set of right-hand sides.
struct RecursiveTriangularSolver {
    let side: Side
    /// op(A) is lower triangular.
    let lower: Bool
    let transpose: Transpose
    let diagonal: Diagonal
    let leaf: Int

    /// op(A)'s block (rows r, cols c) as a GEMM operand: A[r, c] as stored, or A[c, r] transposed.
    @inline(__always)
    func opBlock<T: LinalgScalar>(_ a: MatrixView<T>, rows r: Range<Int>, cols c: Range<Int>)
        -> (Transpose, MatrixView<T>) {
        transpose == .none ? (.none, a.block(rows: r, cols: c)) : (.transposed, a.block(rows: c, cols: r))
    }

    func solve<T: GEMMScalar>(_ a: MatrixView<T>, _ b: MutableMatrixView<T>, pack: UnsafeMutablePointer<T>,
                              parallelism: Parallelism) {
        let n = a.rows
        if n <= leaf {
            let kernel = TriangularLeaf(packing: a, transpose: transpose, diagonal: diagonal, lower: lower,
                                        into: pack)
            side == .left ? kernel.solveLeft(b) : kernel.solveRight(b)
            return
        }
        let h = n / 2
        let first = 0..<h, second = h..<n
        let a11 = a.block(rows: first, cols: first), a22 = a.block(rows: second, cols: second)
        switch (side, lower) {
        case (.left, true):
            // [L₁₁ 0; L₂₁ L₂₂]·[X₁; X₂] = [B₁; B₂]
            let b1 = b.block(rows: first, cols: 0..<b.cols), b2 = b.block(rows: second, cols: 0..<b.cols)
            solve(a11, b1, pack: pack, parallelism: parallelism)
            let (t, l21) = opBlock(a, rows: second, cols: first)
            gemm(t, l21, .none, b1.readOnly, into: b2, alpha: -1, beta: 1, parallelism: parallelism)
            solve(a22, b2, pack: pack, parallelism: parallelism)
        case (.left, false):
            // [U₁₁ U₁₂; 0 U₂₂]·[X₁; X₂] = [B₁; B₂]
            let b1 = b.block(rows: first, cols: 0..<b.cols), b2 = b.block(rows: second, cols: 0..<b.cols)
            solve(a22, b2, pack: pack, parallelism: parallelism)
            let (t, u12) = opBlock(a, rows: first, cols: second)
            gemm(t, u12, .none, b2.readOnly, into: b1, alpha: -1, beta: 1, parallelism: parallelism)
            solve(a11, b1, pack: pack, parallelism: parallelism)
        case (.right, true):
            // [X₁ X₂]·[L₁₁ 0; L₂₁ L₂₂] = [X₁L₁₁ + X₂L₂₁, X₂L₂₂]
            let b1 = b.block(rows: 0..<b.rows, cols: first), b2 = b.block(rows: 0..<b.rows, cols: second)
            solve(a22, b2, pack: pack, parallelism: parallelism)
            let (t, l21) = opBlock(a, rows: second, cols: first)
            gemm(.none, b2.readOnly, t, l21, into: b1, alpha: -1, beta: 1, parallelism: parallelism)
            solve(a11, b1, pack: pack, parallelism: parallelism)
        case (.right, false):
            // [X₁ X₂]·[U₁₁ U₁₂; 0 U₂₂] = [X₁U₁₁, X₁U₁₂ + X₂U₂₂]
            let b1 = b.block(rows: 0..<b.rows, cols: first), b2 = b.block(rows: 0..<b.rows, cols: second)
            solve(a11, b1, pack: pack, parallelism: parallelism)
            let (t, u12) = opBlock(a, rows: first, cols: second)
            gemm(.none, b1.readOnly, t, u12, into: b2, alpha: -1, beta: 1, parallelism: parallelism)
            solve(a22, b2, pack: pack, parallelism: parallelism)
        }
    }
}
