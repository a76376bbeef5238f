// libFuzzer target: a tokenizer from tokenizer.json, or (input starting with "GGUF") from a GGUF file's
// tokenizer metadata; then a fixed ASCII text encoded and decoded with it.
// Contract: a typed error (TokenizerError, FormatError), or a tokenizer whose ids are all inside the
// vocabulary, whose decoding of any of them succeeds, and which gives the text back where the vocabulary
// allows: no added tokens, no space prefix, every byte reachable (byte-level: all 256 byte symbols;
// SentencePiece: byte fallback with all 256 <0xXX> tokens) and no unknown token in the output.
import Foundation
@testable import Formats
@testable import Tokenizers

private let text = "Hello, world! The quick brown fox jumps over 13 lazy dogs.\n\tIt's 2026-12-07; x = a*b + c/2 (ok?)"
private let url = URL(fileURLWithPath: "/fuzz/input.gguf")

private func description(_ bytes: [UInt8]) -> TokenizerDescription? {
    if bytes.starts(with: Array("GGUF".utf8)) {
        guard let gguf = try? GGUFFile(file: MappedFile(copying: bytes, path: url.path), url: url) else { return nil }
        do { return try TokenizerDescription(gguf: gguf) } catch {
            require(error is TokenizerError || error is FormatError, "untyped error \(error)")
            return nil
        }
    }
    return try? TokenizerJSON.description(data: Data(bytes))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let spec = description(inputBytes(data, size)), let tokenizer = try? Tokenizer(spec) else { return 0 }
    let n = tokenizer.vocabularySize
    require(n == spec.tokens.count && n > 0, "vocabulary size")
    let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecialTokens: false)
    require(ids.allSatisfy { (0..<n).contains($0) }, "ids outside 0..<\(n)")
    let withSpecial = tokenizer.encode(text, addSpecialTokens: true, parseSpecialTokens: true)
    require(withSpecial.allSatisfy { (0..<n).contains($0) }, "ids outside 0..<\(n) (special tokens)")
    guard let decoded = try? tokenizer.decode(ids) else { fatalError("contract broken: cannot decode its own ids") }
    require((try? tokenizer.decode(withSpecial, skipSpecialTokens: true)) != nil, "cannot decode with specials")
    require((try? tokenizer.decode([n])) == nil, "decoded id \(n) outside the vocabulary")

    let allBytes: Bool
    switch spec.model {
    case .byteLevelBPE: allBytes = tokenizer.byteIDs.allSatisfy { $0 >= 0 }
    case .sentencePieceBPE: allBytes = spec.byteFallback && tokenizer.byteIDs.allSatisfy { $0 >= 0 }
    }
    let unknown = spec.unknownID.map { ids.contains($0) } ?? false
    if allBytes, spec.addedTokens.isEmpty, spec.spacePrefix == .none, !unknown {
        require(decoded == text, "round trip gives \(decoded.debugDescription)")
    }
    return 0
}
