extension Tokenizer {
    /// The text of `ids`.
    ///
    /// Byte-level: the concatenated bytes of the tokens, read as UTF-8 (invalid sequences become U+FFFD).
    /// SentencePiece: `▁` reads as a space; runs of `<0xXX>` tokens are joined into bytes and read as UTF-8,
    /// or, when invalid, give one U+FFFD per byte (Hugging Face's `ByteFallback` decoder); with a space
    /// prefix the leading space is dropped.
    /// - Parameter skipSpecialTokens: leave out special added tokens (BOS, EOS, `<|im_start|>`, …).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws(TokenizerError) -> String {
        let n = spec.tokens.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        switch spec.model {
        case .byteLevelBPE:
            for id in ids {
                guard id >= 0, id < n else { throw .unknownTokenID(id) }
                if skipSpecialTokens, isSpecial[id] { continue }
                bytes.append(contentsOf: tokenBytes[id])
            }
            return String(decoding: bytes, as: UTF8.self)
        case .sentencePieceBPE:
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if String(validating: pending, as: UTF8.self) != nil {
                    bytes.append(contentsOf: pending)
                } else {
                    for _ in pending { bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            for id in ids {
                guard id >= 0, id < n else { throw .unknownTokenID(id) }
                if skipSpecialTokens, isSpecial[id] { continue }
                if byteValue[id] >= 0 {
                    pending.append(UInt8(byteValue[id]))
                } else {
                    flush()
                    bytes.append(contentsOf: tokenBytes[id])
                }
            }
            flush()
            if spec.spacePrefix != .none, bytes.first == 0x20 { bytes.removeFirst() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
