import Foundation
import Testing
@testable import Notebooks

/// Known data must land at the pixels the axis formulas give, read back from the SVG itself.
@Suite struct PlotGeometryTests {
    struct Area { var x, y, width, height: Double }

    func area(_ tree: XMLTree) throws -> Area {
        let r = try #require(tree.all("rect", class: "plot-area").first)
        return Area(x: r.number("x")!, y: r.number("y")!, width: r.number("width")!, height: r.number("height")!)
    }

    /// Path `d` ("M1,2 L3,4 …") as points.
    func pathPoints(_ d: String) -> [(Double, Double)] {
        d.split(separator: " ").map { part in
            let xy = part.dropFirst().split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }

    @Test func linearAxesPlaceMarkersAndPathVertices() throws {
        var p = Plot(title: "linear", xLabel: "x", yLabel: "y")
        p.xDomain = 0...10
        p.yDomain = 0...100
        let data: [(Double, Double)] = [(0, 0), (2.5, 50), (10, 100), (7, 20)]
        p.add(.line(name: "s", points: data))
        let tree = try #require(XMLTree.parse(p.svg(width: 640, height: 400)))
        let a = try area(tree)
        let markers = tree.markers(of: "s")
        #expect(markers.count == data.count)
        let path = try #require(tree.all("path", class: "line").first?.attributes["d"])
        let vertices = pathPoints(path)
        #expect(vertices.count == data.count)
        for (i, (x, y)) in data.enumerated() {
            let px = a.x + x / 10 * a.width, py = a.y + (1 - y / 100) * a.height
            #expect(abs(markers[i].number("cx")! - px) <= 0.006)
            #expect(abs(markers[i].number("cy")! - py) <= 0.006)
            #expect(abs(vertices[i].0 - px) <= 0.006 && abs(vertices[i].1 - py) <= 0.006)
        }
        #expect(path.hasPrefix("M") && path.filter { $0 == "L" }.count == 3)
    }

    @Test func logAxesPlaceScatterPointsByTheirLogarithm() throws {
        var p = Plot(title: "log-log", xScale: .log, yScale: .log)
        let data: [(Double, Double)] = [(64, 3), (128, 30), (1024, 3000)]
        p.add(.scatter(name: "pts", points: data + [(0, 5), (100, -1)]))  // unplottable on log axes: dropped
        let l = p.layout(width: 720, height: 420)
        #expect(l.xAxis.domain == 50...2000)
        #expect(l.yAxis.domain == 2...5000)
        let tree = try #require(XMLTree.parse(p.svg(width: 720, height: 420)))
        let a = try area(tree)
        let markers = tree.markers(of: "pts")
        #expect(markers.count == 3)
        for (i, (x, y)) in data.enumerated() {
            let fx = (log10(x) - log10(50)) / (log10(2000) - log10(50))
            let fy = (log10(y) - log10(2)) / (log10(5000) - log10(2))
            #expect(abs(markers[i].number("cx")! - (a.x + fx * a.width)) <= 0.006)
            #expect(abs(markers[i].number("cy")! - (a.y + (1 - fy) * a.height)) <= 0.006)
        }
        // The decade ticks are labelled and sit where their values map.
        let xLabels = tree.all("text").filter { $0.ancestorClasses.last == "x-axis" }
        #expect(xLabels.map(\.text) == ["50", "100", "200", "500", "1000", "2000"])
        let fx100: Double = (2 - log10(50.0)) / (log10(2000) - log10(50))
        #expect(abs(xLabels[1].number("x")! - (a.x + fx100 * a.width)) <= 0.006)
    }

    @Test func barsRiseFromZeroAndSitSideBySide() throws {
        var p = Plot(title: "bars", xScale: .categories(["a", "b", "c"]))
        p.add(.bar(name: "one", values: [1, 2, 4]))
        p.add(.bar(name: "two", values: [2, 1, 3]))
        let tree = try #require(XMLTree.parse(p.svg(width: 600, height: 400)))
        let a = try area(tree)
        let l = p.layout(width: 600, height: 400)
        #expect(l.yAxis.domain.lowerBound == 0)
        let bars = tree.all("rect", class: "bar")
        #expect(bars.count == 6)
        let slot = a.width / 3, width = slot * 0.8 / 2
        let baseline = a.y + a.height
        for (i, bar) in bars.enumerated() {
            let series = i / 3, category = i % 3
            let value = [[1.0, 2, 4], [2, 1, 3]][series][category]
            let left = a.x + (Double(category) + 0.5) * slot - slot * 0.4 + Double(series) * width
            #expect(abs(bar.number("x")! - left) <= 0.006)
            #expect(abs(bar.number("width")! - width) <= 0.006)
            #expect(abs(bar.number("y")! + bar.number("height")! - baseline) <= 0.012)
            let top = a.y + (1 - value / l.yAxis.domain.upperBound) * a.height
            #expect(abs(bar.number("y")! - top) <= 0.006)
        }
    }

    @Test func aGapInALineBreaksThePath() throws {
        var p = Plot(yScale: .log)
        p.add(.line(name: "gappy", points: [(1, 1), (2, 10), (3, 0), (4, 100), (5, 1000)]))
        let tree = try #require(XMLTree.parse(p.svg()))
        let d = try #require(tree.all("path", class: "line").first?.attributes["d"])
        #expect(d.filter { $0 == "M" }.count == 2 && d.filter { $0 == "L" }.count == 2)
        #expect(tree.markers(of: "gappy").count == 4)
    }

    @Test func legendListsEveryNamedSeriesInOrder() throws {
        var p = Plot(title: "t")
        p.add(.line(name: "ours", points: [(1, 1), (2, 2)]))
        p.add(.line(name: "peer", points: [(1, 2), (2, 3)], dash: .dashed))
        p.add(.scatter(name: "", points: [(1, 1.5)]))
        let tree = try #require(XMLTree.parse(p.svg()))
        let names = tree.all("text").filter { $0.ancestorClasses.last == "legend" }.map(\.text)
        #expect(names == ["ours", "peer"])
        let dashed = tree.all("path", class: "line").filter { $0.attributes["stroke-dasharray"] != nil }
        #expect(dashed.count == 1)
        // Distinct palette colours for the two named lines.
        #expect(p.color(ofSeries: 0) != p.color(ofSeries: 1))
    }
}
