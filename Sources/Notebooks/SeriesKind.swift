/// How a ``Series`` is drawn.
public enum SeriesKind: Sendable, Equatable {
    /// A polyline through the points in the given order, with a small marker at each point.
    case line
    /// Markers only.
    case scatter
    /// A bar from the baseline (0 on a linear y axis, the bottom of a log y axis) to each point; the bars of
    /// several bar series at the same x are drawn side by side.
    case bar
}
