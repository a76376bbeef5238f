/// A 2-D chart of one or more ``Series`` (lines, markers, bars) on linear, log or category axes, with title,
/// axis labels, gridlines and a legend, drawn as a self-contained SVG document (no scripts, no external
/// fonts or files, no element ids, so several plots can sit in one HTML page).
///
/// ```swift
/// var p = Plot(title: "GEMM", xLabel: "n", yLabel: "GFLOP/s", xScale: .log, yScale: .linear)
/// p.add(.line(name: "parallel", points: [(256, 60), (512, 80), (1024, 85)]))
/// let svg = p.svg(width: 720, height: 420)
/// ```
public struct Plot: Sendable, Equatable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// Fixed data intervals for the axes (nil: from the data). Points outside are not drawn.
    public var xDomain: ClosedRange<Double>?
    public var yDomain: ClosedRange<Double>?
    /// Make a linear y axis reach 0 (always so when the plot has bars).
    public var yIncludesZero: Bool
    public var series: [Series] = []
    public var style: PlotStyle

    public init(title: String = "", xLabel: String = "", yLabel: String = "", xScale: AxisScale = .linear,
                yScale: AxisScale = .linear, yIncludesZero: Bool = false, style: PlotStyle = PlotStyle()) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.yIncludesZero = yIncludesZero
        self.style = style
    }

    public mutating func add(_ s: Series) { series.append(s) }

    var hasBars: Bool { series.contains { $0.kind == .bar } }

    /// The colour series `index` is drawn in: its own, or the palette's next.
    public func color(ofSeries index: Int) -> String {
        if let c = series[index].color { return c }
        let unstyled = series[..<index].filter { $0.color == nil }.count
        return style.palette[unstyled % style.palette.count]
    }

    /// The geometry of the plot drawn at `width` × `height` pixels.
    public func layout(width: Double, height: Double) -> PlotLayout {
        let points = series.flatMap(\.points)
        let barXs = series.filter { $0.kind == .bar }.flatMap { $0.points.map(\.x) }
        let xAxis = Axis(scale: xScale, values: points.map(\.x), fixedDomain: xDomain, includeZero: false,
                         padding: barXs.isEmpty ? 0 : 0.5, tickTarget: style.linearTickTarget)
        let yAxis = Axis(scale: yScale, values: points.map(\.y), fixedDomain: yDomain,
                         includeZero: yIncludesZero || hasBars, padding: 0, tickTarget: style.linearTickTarget)
        let yTickWidth = yAxis.ticks.compactMap(\.label)
            .map { PlotStyle.estimatedWidth($0, fontSize: style.tickFontSize) }.max() ?? 0
        let left = max(style.marginLeft, yTickWidth + 14 + (yLabel.isEmpty ? 0 : style.labelFontSize + 12))
        let top = title.isEmpty ? 16 : style.marginTop
        var bottom = style.marginBottom
        if rotatesXLabels(xAxis: xAxis, plotWidth: width - left - style.marginRight) {
            let longest = xAxis.ticks.compactMap(\.label)
                .map { PlotStyle.estimatedWidth($0, fontSize: style.tickFontSize) }.max() ?? 0
            bottom += longest * 0.5  // sin 30°
        }
        let names = series.map(\.name).filter { !$0.isEmpty }
        var right = style.marginRight
        var legendX: Double?
        if !names.isEmpty {
            let w = names.map { PlotStyle.estimatedWidth($0, fontSize: style.legendFontSize) }.max()!
            legendX = width - style.marginRight - (w + 30)
            right += w + 30 + 12
        }
        return PlotLayout(width: width, height: height, left: left, top: top,
                          plotWidth: max(10, width - left - right), plotHeight: max(10, height - top - bottom),
                          xAxis: xAxis, yAxis: yAxis, legendX: legendX)
    }

    /// Whether category labels are too wide to sit side by side (they are then drawn at −30°).
    func rotatesXLabels(xAxis: Axis, plotWidth: Double) -> Bool {
        guard case .categories(let names) = xScale, !names.isEmpty else { return false }
        let slot = plotWidth / Double(names.count)
        return names.contains { PlotStyle.estimatedWidth($0, fontSize: style.tickFontSize) > slot * 0.95 }
    }
}
