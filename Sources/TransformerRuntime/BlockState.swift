import LinearAlgebraCore

/// A block's forward between two of its steps (``DecoderBlock/step(_:_:context:kv:)``): the residual stream and the
/// input of the linear group the forward has reached.
public struct BlockState: Sendable {
    /// tokens × hidden: the residual stream (the block's input, then its output after the last step).
    public var h: Matrix<Float>
    /// tokens × in: the input of the group reached (empty before step 0 and after the last step).
    public var x: Matrix<Float>

    /// The state before step 0 of the block on input `h`.
    public init(h: Matrix<Float>) {
        self.h = h
        x = Matrix(rows: 0, cols: 0)
    }
}
