/// The look of a ``Plot``: colours, fonts, margins, line widths. The defaults are meant to read well on
/// GitHub's and Jupyter's white backgrounds; every field can be overridden.
public struct PlotStyle: Sendable, Equatable {
    /// Series colours, used in order for series without their own colour (Tableau 10).
    public var palette: [String] = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
    public var background = "#ffffff"
    public var fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    public var titleFontSize = 15.0
    public var labelFontSize = 12.0
    public var tickFontSize = 11.0
    public var legendFontSize = 11.0
    public var textColor = "#222222"
    public var axisColor = "#444444"
    public var gridColor = "#e3e3e3"
    /// Gridlines at the unlabelled minor ticks of log axes (2…9 × 10^k).
    public var minorGridColor = "#f2f2f2"
    public var lineWidth = 2.0
    public var markerRadius = 3.0
    /// Fraction of the space between neighbouring x positions that a group of bars fills.
    public var barGroupFraction = 0.8
    /// Target number of ticks on a linear axis (the actual count follows from the 1-2-5 steps).
    public var linearTickTarget = 6
    /// Space around the plot area, in pixels (the legend adds to the right margin).
    public var marginLeft = 70.0
    public var marginRight = 20.0
    public var marginTop = 44.0
    public var marginBottom = 52.0

    public init() {}

    /// Approximate width of `text` at `fontSize` (no font metrics in pure Swift: 0.6 em per character, which
    /// errs wide for proportional sans-serif fonts).
    public static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }
}
