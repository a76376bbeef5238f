/// Finds added tokens in text: leftmost match first, the longest at that position (Hugging Face's
/// Aho–Corasick `LeftmostLongest`), over UTF-8 bytes with a byte trie.
struct AddedTokenMatcher: Sendable {
    /// A piece of the text: a run of plain text (byte range) or one added token.
    enum Piece: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var token: Int32 = -1
    }

    private var nodes: [Node] = [Node()]
    /// `starts[b]`: some token begins with byte b.
    private var starts = [Bool](repeating: false, count: 256)

    var isEmpty: Bool { nodes.count == 1 }

    init(_ tokens: [(content: String, id: Int32)]) {
        for (content, id) in tokens where !content.isEmpty {
            var n = 0
            for b in content.utf8 {
                if let c = nodes[n].children[b] {
                    n = Int(c)
                } else {
                    nodes.append(Node())
                    nodes[n].children[b] = Int32(nodes.count - 1)
                    n = nodes.count - 1
                }
            }
            nodes[n].token = id
            starts[Int(content.utf8.first!)] = true
        }
    }

    /// The longest token starting at byte `i`: (end offset, id).
    @inline(__always) private func longest(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, limit: Int) -> (Int, Int32)? {
        var n = 0
        var best: (Int, Int32)? = nil
        var j = i
        while j < limit, let c = nodes[n].children[bytes[j]] {
            n = Int(c)
            j += 1
            if nodes[n].token >= 0 { best = (j, nodes[n].token) }
        }
        return best
    }

    /// Splits `bytes[range]` into text runs and tokens, appending to `out`.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into out: inout [Piece]) {
        var textStart = range.lowerBound
        var i = range.lowerBound
        if !isEmpty {
            while i < range.upperBound {
                if starts[Int(bytes[i])], let (end, id) = longest(bytes, at: i, limit: range.upperBound) {
                    if textStart < i { out.append(.text(textStart..<i)) }
                    out.append(.token(id))
                    i = end
                    textStart = end
                } else {
                    i += 1
                }
            }
        }
        if textStart < range.upperBound { out.append(.text(textStart..<range.upperBound)) }
    }
}
