import Testing
@testable import Notebooks

@Suite struct MarkdownTableTests {
    @Test func rendersAlignmentAndEscapesPipes() {
        var t = MarkdownTable(headers: ["variant", "ms", "note"], alignments: [.left, .right, .center])
        t.addRow(["a|b", "1.5", "two\nlines"])
        t.addRow(["short"])
        #expect(t.markdown == """
            | variant | ms | note |
            |---|--:|:-:|
            | a\\|b | 1.5 | two lines |
            | short |  |  |

            """)
    }
}
