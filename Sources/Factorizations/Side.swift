/// Which side of the unknown a triangular operand multiplies: op(A)·X = B (`left`) or X·op(A) = B (`right`).
public enum Side: String, Sendable, CaseIterable {
    case left
    case right
}
