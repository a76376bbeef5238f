import GEMM
import LinearAlgebraCore

/// Which matrix of a linear an adapter sits on: the weight of a dense layer, or one factor of a low-rank layer
/// (SVD-LLM's `…_u_proj`, out × r, and `…_v_proj`, r × in).
public enum AdapterSite: String, Sendable, Codable, CaseIterable {
    case weight, u, v

    var index: Int { AdapterSite.allCases.firstIndex(of: self)! }
}

/// Where a micro-batch's dropout masks come from (``DropoutMask``); nil probability or p = 0: no dropout.
public struct DropoutContext: Sendable {
    public var seed: UInt64
    public var step: Int
    public var microBatch: Int
    public var probability: Double

    public init(seed: UInt64, step: Int, microBatch: Int, probability: Double) {
        self.seed = seed
        self.step = step
        self.microBatch = microBatch
        self.probability = probability
    }

    func mask(adapter: Int) -> DropoutMask? {
        probability > 0 ? DropoutMask(seed: seed, step: step, microBatch: microBatch, adapter: adapter,
                                      probability: probability) : nil
    }
}

/// A frozen linear layer, dense or low-rank, with an optional bias and LoRA adapters (``LoRAAdapter``):
///
///     dense:     Y = X Wᵀ + b + s·(drop(X) Aᵀ)Bᵀ
///     low-rank:  T = X Vᵀ + s·(drop(X) A_vᵀ)B_vᵀ,   Y = T Uᵀ + b + s·(drop(T) A_uᵀ)B_uᵀ
///
/// Backward (gradients with respect to the input and the adapters only; W, U, V and b stay frozen):
///
///     dense:     dX = dY W  (+ the adapter's part)
///     low-rank:  dT = dY U  (+ the u adapter's part),   dX = dT V  (+ the v adapter's part)
///
/// The forward keeps T when U carries an adapter (its input) and each adapter's Z (``Saved``).
public struct TrainableLinear<T: TrainingScalar>: Sendable {
    public enum Weights: Sendable {
        /// out × in.
        case dense(Matrix<T>)
        /// u: out × r, v: r × in.
        case lowRank(u: Matrix<T>, v: Matrix<T>)
    }

    public var weights: Weights
    /// out values or nil.
    public var bias: [T]?
    public var adapters: [AdapterSite: LoRAAdapter<T>] = [:]
    /// Distinguishes this layer's dropout streams from every other layer's (``DropoutMask``).
    public var id: Int

    public init(weights: Weights, bias: [T]?, id: Int) {
        self.weights = weights
        self.bias = bias
        self.id = id
    }

    public var inFeatures: Int {
        switch weights { case let .dense(w): return w.cols; case let .lowRank(_, v): return v.cols }
    }

    public var outFeatures: Int {
        switch weights { case let .dense(w): return w.rows; case let .lowRank(u, _): return u.rows }
    }

    /// The rank of a low-rank layer, nil when dense.
    public var rank: Int? {
        if case let .lowRank(_, v) = weights { return v.rows }
        return nil
    }

    /// The sites this layer has: [.weight] dense, [.u, .v] low-rank.
    public var sites: [AdapterSite] { rank == nil ? [.weight] : [.u, .v] }

    /// (in, out) of the matrix at `site`.
    public func shape(of site: AdapterSite) -> (inFeatures: Int, outFeatures: Int) {
        switch weights {
        case let .dense(w): return (w.cols, w.rows)
        case let .lowRank(u, v): return site == .u ? (u.cols, u.rows) : (v.cols, v.rows)
        }
    }

    /// What the forward keeps for the backward.
    public struct Saved: Sendable {
        /// T (tokens × r) when the u factor has an adapter.
        public var intermediate: Matrix<T>?
        /// Z of each adapter (tokens × its rank).
        public var z: [AdapterSite: Matrix<T>] = [:]

        /// Elements held.
        public var elementCount: Int { (intermediate?.elements.count ?? 0) + z.values.reduce(0) { $0 + $1.elements.count } }
    }

    func mask(_ site: AdapterSite, _ dropout: DropoutContext?) -> DropoutMask? {
        dropout?.mask(adapter: id * AdapterSite.allCases.count + site.index)
    }

    /// Y = X Wᵀ + b (+ adapters) for X (tokens × in).
    public func forward(_ x: Matrix<T>, dropout: DropoutContext?, parallelism: Parallelism) -> (y: Matrix<T>, saved: Saved) {
        var y: Matrix<T> = MatrixProducts.unfilled(rows: x.rows, cols: outFeatures)
        let saved = forward(x, into: &y, beta: 0, dropout: dropout, parallelism: parallelism)
        return (y, saved)
    }

    /// Y ← X Wᵀ + b (+ adapters) + β·Y: β = 1 fuses a residual connection into the product.
    public func forward(_ x: Matrix<T>, into y: inout Matrix<T>, beta: T, dropout: DropoutContext?,
                        parallelism: Parallelism) -> Saved {
        precondition(x.cols == inFeatures && y.rows == x.rows && y.cols == outFeatures)
        var saved = Saved()
        switch weights {
        case let .dense(w):
            MatrixProducts.multiply(x, .none, w, .transposed, into: &y, beta: beta, parallelism: parallelism)
            if let a = adapters[.weight] {
                saved.z[.weight] = a.forward(x, dropout: mask(.weight, dropout), addingTo: &y, parallelism: parallelism)
            }
        case let .lowRank(u, v):
            var t = MatrixProducts.product(x, .none, v, .transposed, parallelism: parallelism)  // tokens × r
            if let a = adapters[.v] {
                saved.z[.v] = a.forward(x, dropout: mask(.v, dropout), addingTo: &t, parallelism: parallelism)
            }
            MatrixProducts.multiply(t, .none, u, .transposed, into: &y, beta: beta, parallelism: parallelism)
            if let a = adapters[.u] {
                saved.z[.u] = a.forward(t, dropout: mask(.u, dropout), addingTo: &y, parallelism: parallelism)
                saved.intermediate = t
            }
        }
        if let bias { MatrixProducts.addRowVector(bias, to: &y) }
        return saved
    }

    /// dX ← dY W (+ the adapters' parts) + β·dX, accumulating the adapters' gradients; `x` is the forward's input.
    public mutating func backward(_ dy: Matrix<T>, x: Matrix<T>, saved: Saved, dropout: DropoutContext?,
                                  into dx: inout Matrix<T>, beta: T, parallelism: Parallelism) {
        precondition(dy.cols == outFeatures && dx.rows == dy.rows && dx.cols == inFeatures)
        switch weights {
        case let .dense(w):
            MatrixProducts.multiply(dy, .none, w, .none, into: &dx, beta: beta, parallelism: parallelism)
            if adapters[.weight] != nil {
                adapters[.weight]!.backward(dy, x: x, z: saved.z[.weight]!, dropout: mask(.weight, dropout),
                                            addingTo: &dx, parallelism: parallelism)
            }
        case let .lowRank(u, v):
            var dt = MatrixProducts.product(dy, .none, u, .none, parallelism: parallelism)  // tokens × r
            if adapters[.u] != nil {
                adapters[.u]!.backward(dy, x: saved.intermediate!, z: saved.z[.u]!, dropout: mask(.u, dropout),
                                       addingTo: &dt, parallelism: parallelism)
            }
            MatrixProducts.multiply(dt, .none, v, .none, into: &dx, beta: beta, parallelism: parallelism)
            if adapters[.v] != nil {
                adapters[.v]!.backward(dt, x: x, z: saved.z[.v]!, dropout: mask(.v, dropout), addingTo: &dx,
                                       parallelism: parallelism)
            }
        }
    }

    /// Folds every adapter into the matrix it sits on (W += s·B A, U += s·B_u A_u, V += s·B_v A_v) and removes it.
    public mutating func mergeAdapters(parallelism: Parallelism = .serial) {
        for (site, a) in adapters {
            let delta = a.delta(parallelism: parallelism)
            switch (weights, site) {
            case (.dense(var w), .weight):
                MatrixProducts.add(delta, to: &w, parallelism: parallelism)
                weights = .dense(w)
            case (.lowRank(var u, let v), .u):
                MatrixProducts.add(delta, to: &u, parallelism: parallelism)
                weights = .lowRank(u: u, v: v)
            case (.lowRank(let u, var v), .v):
                MatrixProducts.add(delta, to: &v, parallelism: parallelism)
                weights = .lowRank(u: u, v: v)
            default:
                preconditionFailure("adapter on \(site.rawValue) of a layer without that matrix")
            }
        }
        adapters = [:]
    }
}
