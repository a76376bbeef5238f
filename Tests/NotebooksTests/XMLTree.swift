import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML document read back with Foundation's `XMLParser` (libxml2): every element with its attributes, text
/// and the `class` of the enclosing `g` groups. Parsing fails (nil) unless the document is well-formed.
final class XMLTree: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        /// The classes of the enclosing elements, outermost first.
        var ancestorClasses: [String]
        var ancestorNames: [String: String]  // data-name of the enclosing series group, if any

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var error: Error?

    static func parse(_ text: String) -> XMLTree? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        guard parser.parse(), tree.error == nil, tree.stack.isEmpty else { return nil }
        return tree
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        let parent = stack.last.map { elements[$0] }
        var classes = parent?.ancestorClasses ?? []
        if let c = parent?.attributes["class"] { classes.append(c) }
        var names = parent?.ancestorNames ?? [:]
        if let n = parent?.attributes["data-name"] { names["series"] = n }
        elements.append(Element(name: elementName, attributes: attributes, ancestorClasses: classes,
                                ancestorNames: names))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = stack.last { elements[i].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    /// Elements named `name` whose own class is `cls` (any class when nil).
    func all(_ name: String, class cls: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (cls == nil || $0.attributes["class"] == cls) }
    }

    /// Markers of the series named `series`.
    func markers(of series: String) -> [Element] {
        all("circle", class: "marker").filter { $0.ancestorNames["series"] == series }
    }
}
