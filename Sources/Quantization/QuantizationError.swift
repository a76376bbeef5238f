/// Why a quantization could not be carried out. Every case names the argument or the tensor at fault.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    /// `bits` is not one of ``QuantizationFormat/supportedBits`` (2, 3, 4, 8).
    case unsupportedBits(argument: String, bits: Int)
    /// `groupSize` is not one of ``QuantizationFormat/supportedGroupSizes`` (32, 64, 128, or −1 for one group
    /// per row).
    case unsupportedGroupSize(argument: String, groupSize: Int)
    /// The group size does not divide the input dimension (the columns) of the named weight.
    case groupSizeDoesNotDivide(tensor: String, groupSize: Int, columns: Int)
    /// The named tensor holds NaN or ±Inf at (row, col).
    case nonFinite(tensor: String, row: Int, col: Int)
    /// The named Gram is `rows × cols`, not `expected × expected` (the weight's input dimension).
    case gramSizeMismatch(tensor: String, expected: Int, rows: Int, cols: Int)
    /// The named Hessian is not positive definite even after adding `damping` to its diagonal: its trailing block
    /// from column `pivot` on (0-based, in the order GPTQ processes the columns) is not.
    case notPositiveDefinite(tensor: String, pivot: Int, damping: Double)
    /// Two matrices that must have the same shape do not: `expected` and `got` describe them.
    case shapeMismatch(tensor: String, expected: String, got: String)
    /// A parameter is out of range.
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedBits(argument, bits):
            return "argument '\(argument)': \(bits) bits are not supported (2, 3, 4 or 8)"
        case let .unsupportedGroupSize(argument, groupSize):
            return "argument '\(argument)': group size \(groupSize) is not supported (32, 64, 128, or -1 per row)"
        case let .groupSizeDoesNotDivide(tensor, groupSize, columns):
            return "tensor '\(tensor)': group size \(groupSize) does not divide its \(columns) input columns"
        case let .nonFinite(tensor, row, col):
            return "tensor '\(tensor)' holds a non-finite value at (\(row), \(col))"
        case let .gramSizeMismatch(tensor, expected, rows, cols):
            return "tensor '\(tensor)': expected a \(expected)×\(expected) Gram, got \(rows)×\(cols)"
        case let .notPositiveDefinite(tensor, pivot, damping):
            return "tensor '\(tensor)': the Hessian is not positive definite after damping by \(damping) "
                + "(from column \(pivot) on, 0-based)"
        case let .shapeMismatch(tensor, expected, got):
            return "tensor '\(tensor)': expected \(expected), got \(got)"
        case let .invalidArgument(name, reason):
            return "argument '\(name)': \(reason)"
        }
    }
}
