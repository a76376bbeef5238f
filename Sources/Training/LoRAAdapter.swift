import GEMM
import LinearAlgebraCore

/// A low-rank adapter on a frozen linear map W (out × in), as peft's LoRA layer:
///
///     Y = X Wᵀ + s · (drop(X) Aᵀ) Bᵀ,     s = α / r,   A: r × in,  B: out × r,   ΔW = s · B A
///
/// Initialized as peft does: A from Kaiming-uniform with a = √5, which on a fan-in of `in` is U(−1/√in, 1/√in)
/// (drawn row-major from a ``SeededGenerator``), and B = 0, so the adapted model starts equal to the frozen one.
///
/// Backward, with Z = drop(X) Aᵀ kept by the forward (tokens × r):
///
///     dB += s · dYᵀ Z,   dZ = s · dY B,   dA += dZᵀ drop(X),   dX += drop′(dZ A)
///
/// where drop′ multiplies by the same mask and 1/(1 − p) as the forward (``DropoutMask``).
public struct LoRAAdapter<T: TrainingScalar>: Sendable {
    /// r × in.
    public var a: Matrix<T>
    /// out × r.
    public var b: Matrix<T>
    /// s = α / r.
    public let scaling: T
    /// The accumulated gradients (shapes of a and b).
    public var gradA: Matrix<T>
    public var gradB: Matrix<T>

    public var rank: Int { a.rows }
    public var inFeatures: Int { a.cols }
    public var outFeatures: Int { b.rows }
    public var parameterCount: Int { a.elements.count + b.elements.count }

    public init(a: Matrix<T>, b: Matrix<T>, scaling: T) {
        precondition(b.cols == a.rows)
        self.a = a
        self.b = b
        self.scaling = scaling
        gradA = Matrix(rows: a.rows, cols: a.cols)
        gradB = Matrix(rows: b.rows, cols: b.cols)
    }

    /// peft's initialization: A ~ U(−1/√in, 1/√in), B = 0, s = α / r.
    public init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Double, generator: inout SeededGenerator) {
        let bound = 1 / Double(inFeatures).squareRoot()
        var a = Matrix<T>(rows: rank, cols: inFeatures)
        for i in a.elements.indices { a.elements[i] = T((generator.nextUniform() * 2 - 1) * bound) }
        self.init(a: a, b: Matrix(rows: outFeatures, cols: rank), scaling: T(alpha / Double(rank)))
    }

    /// Y += s · (drop(X) Aᵀ) Bᵀ for X (tokens × in); returns Z = drop(X) Aᵀ (tokens × r), which the backward needs.
    public func forward(_ x: Matrix<T>, dropout: DropoutMask?, addingTo y: inout Matrix<T>,
                        parallelism: Parallelism) -> Matrix<T> {
        let xd = dropout.map { $0.apply(to: x, parallelism: parallelism) } ?? x
        let z = MatrixProducts.product(xd, .none, a, .transposed, parallelism: parallelism)
        MatrixProducts.multiply(z, .none, b, .transposed, into: &y, alpha: scaling, beta: 1, parallelism: parallelism)
        return z
    }

    /// Accumulates dA and dB for dY (tokens × out) and adds this adapter's part of dX (tokens × in) into `dx`.
    public mutating func backward(_ dy: Matrix<T>, x: Matrix<T>, z: Matrix<T>, dropout: DropoutMask?,
                                  addingTo dx: inout Matrix<T>, parallelism: Parallelism) {
        MatrixProducts.multiply(dy, .transposed, z, .none, into: &gradB, alpha: scaling, beta: 1, parallelism: parallelism)
        let dz = MatrixProducts.product(dy, .none, b, .none, alpha: scaling, parallelism: parallelism)  // tokens × r
        let xd = dropout.map { $0.apply(to: x, parallelism: parallelism) } ?? x
        MatrixProducts.multiply(dz, .transposed, xd, .none, into: &gradA, beta: 1, parallelism: parallelism)
        if let dropout {
            let dxa = dropout.apply(to: MatrixProducts.product(dz, .none, a, .none, parallelism: parallelism),
                                    parallelism: parallelism)
            MatrixProducts.add(dxa, to: &dx, parallelism: parallelism)
        } else {
            MatrixProducts.multiply(dz, .none, a, .none, into: &dx, beta: 1, parallelism: parallelism)
        }
    }

    /// ΔW = s · B A (out × in).
    public func delta(parallelism: Parallelism = .serial) -> Matrix<T> {
        MatrixProducts.product(b, .none, a, .none, alpha: scaling, parallelism: parallelism)
    }

    /// Sets both gradients to zero.
    public mutating func zeroGradients() {
        for i in gradA.elements.indices { gradA.elements[i] = 0 }
        for i in gradB.elements.indices { gradB.elements[i] = 0 }
    }
}
