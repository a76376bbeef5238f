import Formats
import Testing

@Test func formatErrorNamesFileAndField() {
    let e = FormatError.invalid(file: "a.gguf", field: "magic", reason: "expected GGUF")
    #expect(e.description == "a.gguf: field 'magic': expected GGUF")
}
