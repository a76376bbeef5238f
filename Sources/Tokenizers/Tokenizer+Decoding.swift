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
            var pendingStart = -1  // where the current run of <0xXX> bytes starts in `bytes`
            for id in ids {
                guard id >= 0, id < n else { throw .unknownTokenID(id) }
                if skipSpecialTokens, isSpecial[id] { continue }
                let b = byteValue[id]
                if b >= 0 {
                    if pendingStart < 0 { pendingStart = bytes.count }
                    bytes.append(UInt8(b))
                } else {
                    if pendingStart >= 0 { Self.checkByteRun(&bytes, from: pendingStart) }
                    pendingStart = -1
                    bytes.append(contentsOf: tokenBytes[id])
                }
            }
            if pendingStart >= 0 { Self.checkByteRun(&bytes, from: pendingStart) }
            if spec.spacePrefix != .none, bytes.first == 0x20 { bytes.removeFirst() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// A run of byte-fallback bytes stays if it is valid UTF-8, else becomes one U+FFFD per byte.
    static func checkByteRun(_ bytes: inout [UInt8], from start: Int) {
        if String(validating: bytes[start...], as: UTF8.self) != nil { return }
        let count = bytes.count - start
        bytes.removeSubrange(start...)
        for _ in 0..<count { bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
    }
}
