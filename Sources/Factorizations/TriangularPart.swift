import GEMM

/// Which triangle of a square matrix holds a triangular operand; the other triangle is never read.
public enum TriangularPart: String, Sendable, CaseIterable {
    /// aᵢⱼ with i ≥ j.
    case lower
    /// aᵢⱼ with i ≤ j.
    case upper

    /// The triangle that op(A) occupies when A's triangle is `self`: transposing swaps lower and upper.
    @inlinable public func effective(_ transpose: Transpose) -> TriangularPart {
        transpose == .none ? self : (self == .lower ? .upper : .lower)
    }
}
