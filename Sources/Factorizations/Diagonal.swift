/// Whether a triangular operand's diagonal is taken as stored (`nonUnit`) or as all ones (`unit`, the stored
/// diagonal is then never read — as for the unit-lower V of Householder reflectors).
public enum Diagonal: String, Sendable, CaseIterable {
    case unit
    case nonUnit
}
