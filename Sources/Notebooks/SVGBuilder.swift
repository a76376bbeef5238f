import Foundation

/// Accumulates SVG markup, one element per line, escaping every attribute value and text.
struct SVGBuilder {
    private(set) var text = ""
    private var depth = 0

    /// `<tag a="v" …>` (children follow until ``close(_:)``).
    mutating func open(_ tag: String, _ attributes: [(String, String)] = []) {
        line("<\(tag)\(Self.render(attributes))>")
        depth += 1
    }

    mutating func close(_ tag: String) {
        depth -= 1
        line("</\(tag)>")
    }

    /// `<tag a="v" …/>`, or `<tag …>text</tag>` when `content` is given.
    mutating func element(_ tag: String, _ attributes: [(String, String)], content: String? = nil) {
        if let content {
            line("<\(tag)\(Self.render(attributes))>\(XMLEscaping.escape(content))</\(tag)>")
        } else {
            line("<\(tag)\(Self.render(attributes))/>")
        }
    }

    /// `<tag …><title>tooltip</title></tag>`: an element with a hover text.
    mutating func element(_ tag: String, _ attributes: [(String, String)], tooltip: String) {
        line("<\(tag)\(Self.render(attributes))><title>\(XMLEscaping.escape(tooltip))</title></\(tag)>")
    }

    private mutating func line(_ s: String) {
        text += String(repeating: " ", count: depth) + s + "\n"
    }

    private static func render(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(XMLEscaping.escape($0.1))\"" }.joined()
    }

    /// A coordinate with at most two decimals and no trailing zeros (`12.5`, `300`).
    static func coordinate(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
