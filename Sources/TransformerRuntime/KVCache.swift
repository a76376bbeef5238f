import Formats
import LinearAlgebraCore

/// Keys and values of the positions seen so far, per layer, so that decoding a token costs one row of work.
///
/// Layer l holds K and V as capacity × (kvHeads·headDim) row-major matrices; rows 0..<count are filled.
/// Memory: 2 · layers · capacity · kvHeads · headDim floats (SmolLM2, 2048 positions: 2·30·2048·192·4 B = 94 MB).
public struct KVCache: Sendable {
    /// One layer's keys and values (rows = positions, capacity × kvHeads·headDim).
    public struct Layer: Sendable {
        public var keys: Matrix<Float>
        public var values: Matrix<Float>
    }

    public var layers: [Layer]
    /// Positions stored (the position of the next token).
    public internal(set) var count: Int
    public let capacity: Int

    /// An empty cache for `capacity` positions of a model with `config`'s shape.
    public init(config: ModelConfig, capacity: Int) {
        let width = config.kvHeadCount * config.headDim
        layers = (0..<config.layerCount).map { _ in
            Layer(keys: Matrix(rows: capacity, cols: width), values: Matrix(rows: capacity, cols: width))
        }
        count = 0
        self.capacity = capacity
    }

    /// Forgets every position (keeps the storage).
    public mutating func reset() { count = 0 }

    /// Bytes held.
    public var byteCount: Int { layers.reduce(0) { $0 + ($1.keys.elements.count + $1.values.elements.count) * 4 } }
}

extension KVCache.Layer {
    /// Writes k and v (tokens × kvHeads·headDim) at rows first..<first+tokens.
    mutating func store(keys k: Matrix<Float>, values v: Matrix<Float>, at first: Int) {
        let w = keys.cols
        precondition(k.cols == w && v.cols == w && first + k.rows <= keys.rows)
        keys.elements.replaceSubrange(first * w..<(first + k.rows) * w, with: k.elements)
        values.elements.replaceSubrange(first * w..<(first + v.rows) * w, with: v.elements)
    }
}
