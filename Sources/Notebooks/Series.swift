/// One named data series of a ``Plot``: its points, how it is drawn, and optional style overrides.
public struct Series: Sendable, Equatable {
    public var name: String
    public var kind: SeriesKind
    public var points: [PlotPoint]
    /// A CSS colour (`#4e79a7`); nil takes the next colour of the plot's palette.
    public var color: String?
    /// The line's stroke pattern (``LineDash/dashed`` for reference figures, e.g. a peer library's).
    public var dash: LineDash

    public init(name: String, kind: SeriesKind, points: [PlotPoint], color: String? = nil, dash: LineDash = .solid) {
        self.name = name
        self.kind = kind
        self.points = points
        self.color = color
        self.dash = dash
    }

    /// A line through `points` (in the given order), with markers.
    public static func line(name: String, points: [(Double, Double)], color: String? = nil,
                            dash: LineDash = .solid) -> Series {
        Series(name: name, kind: .line, points: points.map { PlotPoint(x: $0.0, y: $0.1) }, color: color, dash: dash)
    }

    /// Markers at `points`.
    public static func scatter(name: String, points: [(Double, Double)], color: String? = nil) -> Series {
        Series(name: name, kind: .scatter, points: points.map { PlotPoint(x: $0.0, y: $0.1) }, color: color)
    }

    /// Bars at `points` (x: the position, or the category index on a ``AxisScale/categories(_:)`` axis).
    public static func bar(name: String, points: [(Double, Double)], color: String? = nil) -> Series {
        Series(name: name, kind: .bar, points: points.map { PlotPoint(x: $0.0, y: $0.1) }, color: color)
    }

    /// Bars with one value per category: `values[i]` at x = i.
    public static func bar(name: String, values: [Double], color: String? = nil) -> Series {
        bar(name: name, points: values.enumerated().map { (Double($0.offset), $0.element) }, color: color)
    }
}
