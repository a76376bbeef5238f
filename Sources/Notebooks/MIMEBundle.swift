/// The `data` of a Jupyter display output: one representation per MIME type; the front end shows the
/// richest one it can (`image/svg+xml` > `text/markdown` > `text/plain`).
public struct MIMEBundle: Sendable, Equatable {
    public static let svg = "image/svg+xml"
    public static let markdown = "text/markdown"
    public static let plainText = "text/plain"

    /// MIME type → content.
    public var entries: [String: String]

    public init(_ entries: [String: String]) { self.entries = entries }

    /// A bundle of the given representations (nil ones left out).
    public init(svg: String? = nil, markdown: String? = nil, plainText: String? = nil) {
        var e: [String: String] = [:]
        if let svg { e[Self.svg] = svg }
        if let markdown { e[Self.markdown] = markdown }
        if let plainText { e[Self.plainText] = plainText }
        entries = e
    }
}
