extension Plot {
    /// The plot as an SVG document of `width` × `height` pixels.
    ///
    /// Structure (stable, so tests and tools can read it back): a background `rect`, the `title`, gridlines
    /// (`g class="grid"`), the plot area frame (`rect class="plot-area"`), ticks and tick labels
    /// (`g class="x-axis"`, `g class="y-axis"`), axis labels, one `g class="series"` per series with
    /// `data-name` (bars as `rect class="bar"`, lines as `path class="line"`, markers as
    /// `circle class="marker"` with a hover `title`), and the legend (`g class="legend"`).
    public func svg(width: Int = 720, height: Int = 420) -> String {
        let w = Double(width), h = Double(height)
        let l = layout(width: w, height: h)
        let c = SVGBuilder.coordinate
        var b = SVGBuilder()
        b.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", "\(width)"), ("height", "\(height)"),
                       ("viewBox", "0 0 \(width) \(height)"), ("font-family", style.fontFamily),
                       ("role", "img")])
        if !title.isEmpty { b.element("title", [], content: title) }
        b.element("rect", [("width", "\(width)"), ("height", "\(height)"), ("fill", style.background)])
        if !title.isEmpty {
            b.element("text", [("class", "title"), ("x", c(l.left + l.plotWidth / 2)),
                               ("y", c(l.top / 2 + style.titleFontSize / 3)), ("text-anchor", "middle"),
                               ("font-size", c(style.titleFontSize)), ("font-weight", "bold"),
                               ("fill", style.textColor)], content: title)
        }
        let right = l.left + l.plotWidth, bottom = l.top + l.plotHeight

        // Gridlines.
        b.open("g", [("class", "grid"), ("stroke-width", "1")])
        for t in l.yAxis.ticks {
            guard let y = l.pixelY(t.value) else { continue }
            b.element("line", [("x1", c(l.left)), ("y1", c(y)), ("x2", c(right)), ("y2", c(y)),
                               ("stroke", t.isMajor ? style.gridColor : style.minorGridColor)])
        }
        if case .categories = xScale {} else {
            for t in l.xAxis.ticks {
                guard let x = l.pixelX(t.value) else { continue }
                b.element("line", [("x1", c(x)), ("y1", c(l.top)), ("x2", c(x)), ("y2", c(bottom)),
                                   ("stroke", t.isMajor ? style.gridColor : style.minorGridColor)])
            }
        }
        b.close("g")
        b.element("rect", [("class", "plot-area"), ("x", c(l.left)), ("y", c(l.top)), ("width", c(l.plotWidth)),
                           ("height", c(l.plotHeight)), ("fill", "none"), ("stroke", style.axisColor)])

        // Ticks and their labels.
        let rotate = rotatesXLabels(xAxis: l.xAxis, plotWidth: l.plotWidth)
        b.open("g", [("class", "x-axis"), ("font-size", c(style.tickFontSize)), ("fill", style.textColor)])
        for t in l.xAxis.ticks {
            guard let x = l.pixelX(t.value) else { continue }
            b.element("line", [("x1", c(x)), ("y1", c(bottom)), ("x2", c(x)), ("y2", c(bottom + (t.isMajor ? 5 : 3))),
                               ("stroke", style.axisColor)])
            guard let label = t.label else { continue }
            let y = bottom + 8 + style.tickFontSize
            if rotate {
                b.element("text", [("x", c(x)), ("y", c(y)), ("text-anchor", "end"),
                                   ("transform", "rotate(-30 \(c(x)) \(c(y)))")], content: label)
            } else {
                b.element("text", [("x", c(x)), ("y", c(y)), ("text-anchor", "middle")], content: label)
            }
        }
        b.close("g")
        b.open("g", [("class", "y-axis"), ("font-size", c(style.tickFontSize)), ("fill", style.textColor)])
        for t in l.yAxis.ticks {
            guard let y = l.pixelY(t.value) else { continue }
            b.element("line", [("x1", c(l.left - (t.isMajor ? 5 : 3))), ("y1", c(y)), ("x2", c(l.left)), ("y2", c(y)),
                               ("stroke", style.axisColor)])
            guard let label = t.label else { continue }
            b.element("text", [("x", c(l.left - 8)), ("y", c(y + style.tickFontSize / 3)), ("text-anchor", "end")],
                      content: label)
        }
        b.close("g")

        // Axis labels.
        if !xLabel.isEmpty {
            b.element("text", [("class", "x-label"), ("x", c(l.left + l.plotWidth / 2)), ("y", c(h - 12)),
                               ("text-anchor", "middle"), ("font-size", c(style.labelFontSize)),
                               ("fill", style.textColor)], content: xLabel)
        }
        if !yLabel.isEmpty {
            let x = 8 + style.labelFontSize, y = l.top + l.plotHeight / 2
            b.element("text", [("class", "y-label"), ("x", c(x)), ("y", c(y)), ("text-anchor", "middle"),
                               ("transform", "rotate(-90 \(c(x)) \(c(y)))"), ("font-size", c(style.labelFontSize)),
                               ("fill", style.textColor)], content: yLabel)
        }

        drawSeries(into: &b, layout: l)
        drawLegend(into: &b, layout: l)
        b.close("svg")
        return b.text
    }

    /// Bars first (side by side per x), then lines, then scatter markers, so markers stay on top.
    private func drawSeries(into b: inout SVGBuilder, layout l: PlotLayout) {
        let c = SVGBuilder.coordinate
        let barIndices = series.indices.filter { series[$0].kind == .bar }
        // Bar width: a share of the smallest horizontal gap between bar positions.
        let barPixels = Set(barIndices.flatMap { i in series[i].points.compactMap { l.pixelX($0.x) } }).sorted()
        let gap = zip(barPixels.dropFirst(), barPixels).map { $0 - $1 }.min() ?? l.plotWidth / 2
        let group = gap * style.barGroupFraction
        let barWidth = group / Double(max(barIndices.count, 1))
        let baseline: Double = {
            if case .log = yScale { return l.top + l.plotHeight }
            return l.pixelY(0) ?? (l.yAxis.domain.lowerBound > 0 ? l.top + l.plotHeight : l.top)
        }()
        let order = barIndices + series.indices.filter { series[$0].kind == .line }
            + series.indices.filter { series[$0].kind == .scatter }
        for i in order {
            let s = series[i]
            let color = color(ofSeries: i)
            let kindName: String = switch s.kind { case .line: "line"; case .scatter: "scatter"; case .bar: "bar" }
            b.open("g", [("class", "series \(kindName)"), ("data-name", s.name)])
            switch s.kind {
            case .bar:
                let slot = Double(barIndices.firstIndex(of: i)!)
                for p in s.points {
                    guard let (x, y) = l.position(x: p.x, y: p.y) else { continue }
                    let x0 = x - group / 2 + slot * barWidth
                    b.element("rect", [("class", "bar"), ("x", c(x0)), ("y", c(min(y, baseline))),
                                       ("width", c(barWidth)), ("height", c(abs(baseline - y))), ("fill", color)],
                              tooltip: "\(s.name): \(TickLabelFormat.number(p.y))")
                }
            case .line:
                var d = ""
                var penDown = false
                for p in s.points {
                    guard let (x, y) = l.position(x: p.x, y: p.y) else { penDown = false; continue }
                    d += (d.isEmpty ? "" : " ") + (penDown ? "L" : "M") + "\(c(x)),\(c(y))"
                    penDown = true
                }
                var attributes = [("class", "line"), ("d", d), ("fill", "none"), ("stroke", color),
                                  ("stroke-width", c(style.lineWidth)), ("stroke-linejoin", "round")]
                if let dash = s.dash.dashArray { attributes.append(("stroke-dasharray", dash)) }
                if !d.isEmpty { b.element("path", attributes) }
                drawMarkers(s, color: color, into: &b, layout: l)
            case .scatter:
                drawMarkers(s, color: color, into: &b, layout: l)
            }
            b.close("g")
        }
    }

    private func drawMarkers(_ s: Series, color: String, into b: inout SVGBuilder, layout l: PlotLayout) {
        let c = SVGBuilder.coordinate
        for p in s.points {
            guard let (x, y) = l.position(x: p.x, y: p.y) else { continue }
            b.element("circle", [("class", "marker"), ("cx", c(x)), ("cy", c(y)), ("r", c(style.markerRadius)),
                                 ("fill", s.dash == .solid ? color : style.background), ("stroke", color),
                                 ("stroke-width", "1.5")],
                      tooltip: "\(s.name): (\(TickLabelFormat.number(p.x)), \(TickLabelFormat.number(p.y)))")
        }
    }

    private func drawLegend(into b: inout SVGBuilder, layout l: PlotLayout) {
        guard let x0 = l.legendX else { return }
        let c = SVGBuilder.coordinate
        let rowHeight = style.legendFontSize + 8
        b.open("g", [("class", "legend"), ("font-size", c(style.legendFontSize)), ("fill", style.textColor)])
        var y = l.top + rowHeight / 2
        for (i, s) in series.enumerated() where !s.name.isEmpty {
            let color = color(ofSeries: i)
            switch s.kind {
            case .bar:
                b.element("rect", [("x", c(x0)), ("y", c(y - 5)), ("width", "20"), ("height", "10"), ("fill", color)])
            case .line:
                var attributes = [("x1", c(x0)), ("y1", c(y)), ("x2", c(x0 + 20)), ("y2", c(y)), ("stroke", color),
                                  ("stroke-width", c(style.lineWidth))]
                if let dash = s.dash.dashArray { attributes.append(("stroke-dasharray", dash)) }
                b.element("line", attributes)
                b.element("circle", [("cx", c(x0 + 10)), ("cy", c(y)), ("r", c(style.markerRadius)),
                                     ("fill", s.dash == .solid ? color : style.background), ("stroke", color)])
            case .scatter:
                b.element("circle", [("cx", c(x0 + 10)), ("cy", c(y)), ("r", c(style.markerRadius)), ("fill", color),
                                     ("stroke", color)])
            }
            b.element("text", [("x", c(x0 + 28)), ("y", c(y + style.legendFontSize / 3))], content: s.name)
            y += rowHeight
        }
        b.close("g")
    }
}
