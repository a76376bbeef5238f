import Testing
import Tokenizers

@Test func tokenizerErrorNamesField() {
    let e = TokenizerError.invalid(source: "tokenizer.json", field: "model.merges", reason: "missing")
    #expect(e.description == "tokenizer.json: field 'model.merges': missing")
}
