import GEMM
import LinearAlgebraCore

/// A linear layer y = x Wᵀ + b, stored densely or as a low-rank product W ≈ U V (SVD-LLM's compressed form).
///
/// Weights follow the PyTorch convention: W is out × in, row-major, so `forward` computes
/// Y = X Wᵀ (+ b) for X tokens × in through ``gemm`` with B transposed (a GEMV when X has one row).
/// The low-rank form computes Y = (X Vᵀ) Uᵀ (+ b): 2·r·(in + out) flops per token instead of 2·in·out.
///
/// `dense` and `lowRank` hold f32 matrices, the form compression works on; `packed` and `packedLowRank` hold the
/// same products in a compact ``WeightMatrix`` storage (f16, bf16, q8, int4) for inference: a one-token product
/// reads the stored bytes once and widens them in registers (``WeightMatrix/gemv(_:into:beta:variant:parallelism:params:)``).
public enum Linear: Sendable, Equatable {
    /// weight: out × in; bias: out values or nil.
    case dense(weight: Matrix<Float>, bias: [Float]?)
    /// u: out × r, v: r × in; bias: out values or nil.
    case lowRank(u: Matrix<Float>, v: Matrix<Float>, bias: [Float]?)
    /// weight: out × in in any storage.
    case packed(weight: WeightMatrix, bias: [Float]?)
    /// u: out × r, v: r × in, each in any storage.
    case packedLowRank(u: WeightMatrix, v: WeightMatrix, bias: [Float]?)

    /// This layer with its matrices in `storage` (f32: the `dense`/`lowRank` forms; others: `packed`), converting
    /// from whatever it holds now. `mapped` leaves the layer as it is (mapping is chosen when a model is loaded).
    public func converted(to storage: WeightStorage) -> Linear {
        if storage == .mapped { return self }
        let (u, v, b) = (factors.u, factors.v, bias)
        func convert(_ m: WeightMatrix) -> WeightMatrix {
            m.storage == storage ? m : WeightMatrix(m.dequantized(), storage: storage)
        }
        if storage == .f32 {
            if let v { return .lowRank(u: u.dequantized(), v: v.dequantized(), bias: b) }
            return .dense(weight: u.dequantized(), bias: b)
        }
        if let v { return .packedLowRank(u: convert(u), v: convert(v), bias: b) }
        return .packed(weight: convert(u), bias: b)
    }

    /// The stored matrices: (W, nil) for a full-rank layer, (U, V) for a low-rank one.
    public var factors: (u: WeightMatrix, v: WeightMatrix?) {
        switch self {
        case let .dense(w, _): return (.f32(w), nil)
        case let .lowRank(u, v, _): return (.f32(u), .f32(v))
        case let .packed(w, _): return (w, nil)
        case let .packedLowRank(u, v, _): return (u, v)
        }
    }

    /// Bytes of the stored matrices and bias (what one token's product reads).
    public var byteCount: Int {
        let (u, v) = factors
        return u.byteCount + (v?.byteCount ?? 0) + 4 * (bias?.count ?? 0)
    }

    /// The storage of the matrices (of U when the factors differ).
    public var storage: WeightStorage { factors.u.storage }

    /// Columns of the input.
    public var inFeatures: Int { factors.v?.cols ?? factors.u.cols }

    /// Columns of the output.
    public var outFeatures: Int { factors.u.rows }

    /// The rank r of a low-rank layer, nil when dense.
    public var rank: Int? { factors.v?.rows }

    public var bias: [Float]? {
        switch self {
        case let .dense(_, b), let .lowRank(_, _, b), let .packed(_, b), let .packedLowRank(_, _, b): return b
        }
    }

    /// Stored parameters (weights and bias).
    public var parameterCount: Int {
        let (u, v) = factors
        return u.rows * u.cols + (v.map { $0.rows * $0.cols } ?? 0) + (bias?.count ?? 0)
    }

    /// Multiply-add flops of ``forward(_:parallelism:)`` on `rows` rows: 2·rows·in·out dense, 2·rows·r·(in + out)
    /// low-rank.
    public func flops(rows: Int) -> Double {
        2 * Double(rows) * Double(parameterCount - (bias?.count ?? 0))
    }

    /// The dense out × in matrix this layer applies (U V for a low-rank layer).
    public var denseWeight: Matrix<Float> {
        switch self {
        case let .dense(w, _): return w
        case let .lowRank(u, v, _): return matmul(u, v)
        case let .packed(w, _): return w.dequantized()
        case let .packedLowRank(u, v, _): return matmul(u.dequantized(), v.dequantized())
        }
    }

    /// Y = X Wᵀ + b for X tokens × in; the result is tokens × out.
    public func forward(_ x: Matrix<Float>, parallelism: Parallelism = .serial) -> Matrix<Float> {
        precondition(x.cols == inFeatures, "Linear: input has \(x.cols) columns, layer takes \(inFeatures)")
        let out = outFeatures
        var y = Matrix<Float>.filling(rows: x.rows, cols: out) { base in  // tokens × out, written by β = 0
            multiply(x, into: MutableMatrixView(base: base, rows: x.rows, cols: out, rowStride: out), beta: 0,
                     parallelism: parallelism)
        }
        if let b = bias { y.addRowVector(b) }
        return y
    }

    /// Y ← Y + X Wᵀ + b: the residual connection fused into the product (GEMM with β = 1), no temporary.
    public func forward(_ x: Matrix<Float>, addingTo y: inout Matrix<Float>, parallelism: Parallelism = .serial) {
        precondition(x.cols == inFeatures && y.rows == x.rows && y.cols == outFeatures,
                     "Linear: \(x.rows)×\(x.cols) input, \(y.rows)×\(y.cols) output for a \(outFeatures)×\(inFeatures) layer")
        y.withMutableView { multiply(x, into: $0, beta: 1, parallelism: parallelism) }
        if let b = bias { y.addRowVector(b) }
    }

    /// The GEMM settings of every layer product: a one-row product (decoding) of ≥ 250 K weights (1 MB, e.g.
    /// SmolLM2's q and o) splits its outputs over the threads, which stream the weights faster than one core
    /// (the default threshold, 1 M flops, would keep those on one thread).
    static let gemmParams = GEMMParams(parallelGEMVFlopThreshold: 5e5)

    /// C ← X Wᵀ + β·C (no bias): one GEMM with B transposed, or two for a low-rank layer, (X Vᵀ) Uᵀ with the
    /// tokens × r intermediate.
    func multiply(_ x: Matrix<Float>, into c: MutableMatrixView<Float>, beta: Float, parallelism: Parallelism) {
        x.withView { xv in
            switch self {
            case let .dense(w, _):
                w.withView {
                    gemm(.none, xv, .transposed, $0, into: c, alpha: 1, beta: beta, parallelism: parallelism,
                         params: Linear.gemmParams)
                }
            case let .lowRank(u, v, _):
                let r = v.rows
                let t = Matrix<Float>.filling(rows: x.rows, cols: r) { base in  // tokens × r
                    v.withView { gemm(.none, xv, .transposed, $0, into: MutableMatrixView(base: base, rows: x.rows, cols: r,
                                                                                          rowStride: r),
                                      parallelism: parallelism, params: Linear.gemmParams) }
                }
                t.withView { tv in
                    u.withView {
                        gemm(.none, tv, .transposed, $0, into: c, alpha: 1, beta: beta, parallelism: parallelism,
                             params: Linear.gemmParams)
                    }
                }
            case let .packed(w, _):
                w.multiply(xv, into: c, beta: beta, parallelism: parallelism, params: Linear.gemmParams)
            case let .packedLowRank(u, v, _):
                let r = v.rows
                let t = Matrix<Float>.filling(rows: x.rows, cols: r) { base in  // tokens × r
                    v.multiply(xv, into: MutableMatrixView(base: base, rows: x.rows, cols: r, rowStride: r), beta: 0,
                               parallelism: parallelism, params: Linear.gemmParams)
                }
                t.withView { u.multiply($0, into: c, beta: beta, parallelism: parallelism, params: Linear.gemmParams) }
            }
        }
    }
}
