/// The stroke pattern of a line series. Non-solid lines get hollow markers, so series that share a colour
/// (one variant at two thread counts, say) stay apart in print and for colour-blind readers.
public enum LineDash: Sendable, Equatable {
    case solid
    /// Long dashes (`6 4`): by convention here, reference figures such as a peer library's.
    case dashed
    /// Short dashes (`2 3`).
    case dotted

    /// The SVG `stroke-dasharray`, nil for solid.
    var dashArray: String? {
        switch self {
        case .solid: return nil
        case .dashed: return "6 4"
        case .dotted: return "2 3"
        }
    }
}
