import Foundation
import Testing
@testable import Notebooks

@Suite struct SVGWellFormednessTests {
    @Test func everyKindOfPlotParsesAsXML() throws {
        var p = Plot(title: "GEMM <f32> & \"friends\"", xLabel: "n (m = k = n)", yLabel: "GFLOP/s",
                     xScale: .log, yScale: .linear)
        p.add(.line(name: "parallel, t=2 <best>", points: [(64, 10), (256, 60), (1024, 85)]))
        p.add(.scatter(name: "it's 'quoted'", points: [(128, 40)]))
        p.add(.bar(name: "bars & more", points: [(64, 5), (1024, 20)]))
        let svg = p.svg(width: 800, height: 450)
        let tree = try #require(XMLTree.parse(svg))
        #expect(tree.elements.first?.name == "svg")
        #expect(tree.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        // Escaped text reads back as the original.
        #expect(tree.all("text", class: "title").first?.text == "GEMM <f32> & \"friends\"")
        let legend = tree.all("text").filter { $0.ancestorClasses.last == "legend" }.map(\.text)
        #expect(legend == ["parallel, t=2 <best>", "it's 'quoted'", "bars & more"])
        #expect(!svg.contains("id="))  // no ids: several plots can share one page
    }

    @Test func emptyAndCategoryPlotsParse() throws {
        #expect(XMLTree.parse(Plot().svg()) != nil)
        var c = Plot(title: "phases", xScale: .categories(["profile (Cholesky of XXᵀ)", "whitening SVD", "update"]))
        c.add(.bar(name: "seconds", values: [12, 30, 5]))
        let tree = try #require(XMLTree.parse(c.svg(width: 400, height: 300)))
        // Long category names are turned to fit.
        #expect(tree.all("text").filter { $0.ancestorClasses.last == "x-axis" }
                    .allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-30") == true })
    }

    @Test func escapingCoversTheFiveEntitiesAndDropsControlCharacters() {
        #expect(XMLEscaping.escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;")
        #expect(XMLEscaping.escape("x\u{01}y\tz") == "xy\tz")
    }
}
