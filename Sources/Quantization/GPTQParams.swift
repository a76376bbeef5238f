/// The settings of ``gptq(weight:gram:sampleCount:params:name:parallelism:)``, with gptq.py's defaults.
public struct GPTQParams: Sendable, Hashable, Codable {
    /// Bits, group size, symmetric or not.
    public var format: QuantizationFormat
    /// Columns per lazy batch update (gptq.py `blocksize`): updates inside a block are applied at once, to the
    /// rest of W once per block, as a GEMM. Changes the rounding, not the algorithm.
    public var blockSize: Int
    /// λ = percdamp · mean(diag H) is added to the diagonal of H (gptq.py `percdamp`).
    public var percdamp: Double
    /// Quantize the columns in order of decreasing diag H (gptq.py `actorder`, "desc_act"); the groups are then
    /// consecutive in that order and ``QuantizedWeights/groupIndex`` maps each column to its group.
    public var actOrder: Bool

    public init(format: QuantizationFormat = .default, blockSize: Int = 128, percdamp: Double = 0.01,
                actOrder: Bool = false) {
        self.format = format
        self.blockSize = blockSize
        self.percdamp = percdamp
        self.actOrder = actOrder
    }

    /// 4 bits, groups of 128, asymmetric, blocks of 128, 1 % damping, no act-order.
    public static let `default` = GPTQParams()
}
