/// Tuning of ``GGUFFile`` dequantization. Tests shrink the task size to reach the multi-worker path on tiny tensors.
public struct DequantizeParams: Sendable, Equatable {
    /// The least output elements one parallel task decodes (whole rows; 16 Ki Floats = 64 KiB keeps the
    /// scheduling cost negligible next to the decoding).
    public var elementsPerTask: Int

    public init(elementsPerTask: Int = 16_384) {
        self.elementsPerTask = Swift.max(1, elementsPerTask)
    }

    public static let `default` = DequantizeParams()
}
