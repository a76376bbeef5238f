import Foundation
import Testing
@testable import Tokenizers

/// tokenizer.json inputs the fuzz target (Tests/Fuzz/Tokenizer.swift) found to crash the reader, and the typed
/// error each must give now.
@Suite struct TokenizerFuzzRegressionTests {
    private func error(_ json: String) -> TokenizerError? {
        do {
            _ = try TokenizerJSON.description(data: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    /// An id of 2⁶² reserved room for 2⁶² tokens before the gap below it was noticed; Int.max + 1 overflowed.
    @Test func hugeVocabularyIdIsAGapNotAnAllocation() {
        for id in ["4611686018427387904", "9223372036854775807"] {
            let e = error(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": \#(id)}, "merges": []}}"#)
            #expect(e == .invalid(source: "tokenizer.json", field: "model.vocab", reason: "no token has id 1"))
        }
        let e = error(#"{"model": {"vocab": {"a": 0}}, "added_tokens": [{"id": 9223372036854775807, "content": "x"}]}"#)
        #expect(e == .invalid(source: "tokenizer.json", field: "model.vocab", reason: "no token has id 1"))
    }
}
