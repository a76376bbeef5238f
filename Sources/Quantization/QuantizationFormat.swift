/// The integer format of a quantized weight matrix W (out × in): `bits` per weight, and one grid (scale, zero) per
/// row and group of `groupSize` consecutive input columns (−1: one group spanning the whole row).
///
/// `symmetric` chooses the grid of ``QuantizationGrid``: a zero point fixed at (maxq + 1)/2 instead of fitted to the
/// group's minimum. Codes run over 0…maxq with maxq = 2^bits − 1.
public struct QuantizationFormat: Sendable, Hashable, Codable {
    /// The widths that have a grid here and a packed layout downstream.
    public static let supportedBits: Set<Int> = [2, 3, 4, 8]
    /// Group sizes along the input axis; −1 means one group per row.
    public static let supportedGroupSizes: Set<Int> = [-1, 32, 64, 128]

    /// Bits per weight: 2, 3, 4 or 8.
    public var bits: Int
    /// Input columns per group: 32, 64, 128, or −1 for one group per row.
    public var groupSize: Int
    /// A symmetric grid (zero = (maxq + 1)/2) instead of an asymmetric min/max one.
    public var symmetric: Bool

    public init(bits: Int = 4, groupSize: Int = 128, symmetric: Bool = false) {
        self.bits = bits
        self.groupSize = groupSize
        self.symmetric = symmetric
    }

    /// 4 bits, groups of 128, asymmetric (the common GPTQ checkpoint format).
    public static let `default` = QuantizationFormat()

    /// The largest code, 2^bits − 1.
    public var maxq: Int { (1 << bits) - 1 }

    /// Input columns per group for a matrix of `columns` input columns (`columns` itself when per row).
    public func columnsPerGroup(columns: Int) -> Int { groupSize == -1 ? columns : groupSize }

    /// Groups per row for a matrix of `columns` input columns (1 when per row).
    public func groupCount(columns: Int) -> Int { groupSize == -1 ? 1 : columns / groupSize }

    /// Checks bits and group size (errors name `argument`'s fields) and that the group size divides `columns`
    /// (errors name `tensor`).
    public func validate(columns: Int, tensor: String, argument: String = "format") throws(QuantizationError) {
        guard Self.supportedBits.contains(bits) else { throw .unsupportedBits(argument: "\(argument).bits", bits: bits) }
        guard Self.supportedGroupSizes.contains(groupSize) else {
            throw .unsupportedGroupSize(argument: "\(argument).groupSize", groupSize: groupSize)
        }
        if groupSize != -1 && columns % groupSize != 0 {
            throw .groupSizeDoesNotDivide(tensor: tensor, groupSize: groupSize, columns: columns)
        }
    }
}
