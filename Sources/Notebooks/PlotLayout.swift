/// The geometry of a ``Plot`` drawn at a given size: the plot area (the rectangle the data is drawn in, in
/// SVG pixels, y growing downwards), the two axes, and the map from data to pixels:
/// px = left + fx(x)·width, py = top + (1 − fy(y))·height, with fx, fy the axes' ``Axis/fraction(_:)``.
public struct PlotLayout: Sendable, Equatable {
    public var width: Double
    public var height: Double
    public var left: Double
    public var top: Double
    public var plotWidth: Double
    public var plotHeight: Double
    public var xAxis: Axis
    public var yAxis: Axis
    /// Left edge of the legend (right of the plot area), or nil when no series has a name.
    public var legendX: Double?

    /// Pixel position of the data point (x, y); nil when either value cannot be shown on its axis.
    public func position(x: Double, y: Double) -> (x: Double, y: Double)? {
        guard let fx = xAxis.fraction(x), let fy = yAxis.fraction(y) else { return nil }
        return (left + fx * plotWidth, top + (1 - fy) * plotHeight)
    }

    public func pixelX(_ x: Double) -> Double? { xAxis.fraction(x).map { left + $0 * plotWidth } }
    public func pixelY(_ y: Double) -> Double? { yAxis.fraction(y).map { top + (1 - $0) * plotHeight } }
}
