import LinearAlgebraCore

/// Where a block runs: its index, the position of its first row, threads, and the profile timing its phases.
public struct BlockContext: Sendable {
    public var layer: Int
    /// Absolute position of row 0 of the hidden states (the KV cache's count before this call).
    public var firstPosition: Int
    public var parallelism: Parallelism
    public var profile: ForwardProfile?

    public init(layer: Int, firstPosition: Int, parallelism: Parallelism, profile: ForwardProfile? = nil) {
        self.layer = layer
        self.firstPosition = firstPosition
        self.parallelism = parallelism
        self.profile = profile
    }
}

/// One transformer block of an architecture: H ← block(H), tokens × hidden in and out.
///
/// `kv` receives this call's keys and values at rows firstPosition..<firstPosition+tokens and holds the earlier
/// positions' rows; `capture` sees each linear group's input.
public protocol DecoderBlock: Sendable {
    /// The block's linear layers by name.
    var linears: BlockLinears { get set }
    func forward(_ h: Matrix<Float>, context: BlockContext, kv: inout KVCache.Layer,
                 capture: LinearInputCapture?) -> Matrix<Float>
}

extension DecoderBlock {
    /// The linear layers this block has.
    public var linearNames: [LinearName] { linears.names }

    public func linear(_ name: LinearName) -> Linear { linears[name] }

    /// Replaces a linear (same in/out features; e.g. a low-rank factorization of it).
    public mutating func setLinear(_ name: LinearName, to linear: Linear) throws(RuntimeError) {
        try linears.replace(name, with: linear)
    }

    /// Stored parameters of the block's linears.
    public var linearParameterCount: Int { linearNames.reduce(0) { $0 + linear($1).parameterCount } }
}

extension Matrix where T == Float {
    /// self += other, elementwise (the residual connection).
    mutating func add(_ other: Matrix<Float>) {
        precondition(rows == other.rows && cols == other.cols)
        elements.withUnsafeMutableBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }
}
