extension Tokenizer {
    /// The token ids of `text`.
    /// - Parameters:
    ///   - addSpecialTokens: put BOS in front / EOS at the end when the description says so.
    ///   - parseSpecialTokens: recognise special added tokens (like `<|im_start|>`) written in the text as
    ///     single ids (Hugging Face's default); false tokenizes their text like any other text.
    public func encode(_ text: String, addSpecialTokens: Bool = true, parseSpecialTokens: Bool = true) -> [Int] {
        encodeIDs(text, addSpecialTokens: addSpecialTokens, parseSpecialTokens: parseSpecialTokens).map(Int.init)
    }

    /// `encode` with 32-bit ids.
    public func encodeIDs(_ text: String, addSpecialTokens: Bool = true, parseSpecialTokens: Bool = true) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecialTokens, spec.addBOS, let bos = spec.bosID { out.append(Int32(bos)) }
        var state = EncodeState()
        var text = text
        text.withUTF8 { bytes in
            var pieces: [AddedTokenMatcher.Piece] = []
            (parseSpecialTokens ? allAdded : nonSpecialAdded).split(bytes, range: 0..<bytes.count, into: &pieces)
            var first = true
            for p in pieces {
                switch p {
                case let .token(id): out.append(id)
                case let .text(r):
                    encodeSegment(UnsafeBufferPointer(rebasing: bytes[r]), first: first, state: &state, into: &out)
                }
                first = false
            }
        }
        if addSpecialTokens, spec.addEOS, let eos = spec.eosID { out.append(Int32(eos)) }
        return out
    }

    /// Scratch reused across the words of one `encode` call.
    struct EncodeState {
        var scanner = PreTokenizerScanner()
        var ends: [Int] = []
        var symbols: [Int32] = []
        var cache: [[UInt8]: [Int32]] = [:]  // by bytes, not canonical-equivalence String keys
        var normalized: [UInt8] = []
    }

    /// Normalizes one text segment (between added tokens) and encodes it.
    func encodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, first: Bool, state: inout EncodeState, into out: inout [Int32]) {
        // The ▁ prefix is unconditional (Prepend / Metaspace); the byte-level one (ByteLevel add_prefix_space)
        // only goes in front of a segment that does not start with a space already.
        let prefix = (spec.spacePrefix == .everySegment || (spec.spacePrefix == .firstSegment && first))
            && (spec.model == .sentencePieceBPE || bytes.first != 0x20)
        let needsCopy = spec.model == .sentencePieceBPE || prefix
        if !needsCopy {
            encodeNormalized(bytes, state: &state, into: &out)
            return
        }
        var norm = state.normalized
        state.normalized = []
        norm.removeAll(keepingCapacity: true)
        let marker: [UInt8] = spec.model == .sentencePieceBPE ? [0xE2, 0x96, 0x81] : [0x20]
        if prefix { norm.append(contentsOf: marker) }
        if spec.model == .sentencePieceBPE {
            for b in bytes {
                if b == 0x20 { norm.append(contentsOf: marker) } else { norm.append(b) }
            }
        } else {
            norm.append(contentsOf: bytes)
        }
        norm.withUnsafeBufferPointer { nb in
            if normalizedAdded.isEmpty {
                encodeNormalized(nb, state: &state, into: &out)
            } else {
                var pieces: [AddedTokenMatcher.Piece] = []
                normalizedAdded.split(nb, range: 0..<nb.count, into: &pieces)
                for p in pieces {
                    switch p {
                    case let .token(id): out.append(id)
                    case let .text(r): encodeNormalized(UnsafeBufferPointer(rebasing: nb[r]), state: &state, into: &out)
                    }
                }
            }
        }
        state.normalized = norm
    }

    /// Pre-tokenizes normalized bytes and runs BPE on every word.
    func encodeNormalized(_ bytes: UnsafeBufferPointer<UInt8>, state: inout EncodeState, into out: inout [Int32]) {
        guard !bytes.isEmpty else { return }
        var ends = state.ends
        state.ends = []
        ends.removeAll(keepingCapacity: true)
        if let regex {
            regex.split(String(decoding: bytes, as: UTF8.self), into: &ends)
        } else {
            state.scanner.split(bytes, kind: spec.preTokenizer, into: &ends)
        }
        var start = 0
        for end in ends {
            encodeWord(UnsafeBufferPointer(rebasing: bytes[start..<end]), state: &state, into: &out)
            start = end
        }
        state.ends = ends
    }

    /// BPE on one word.
    func encodeWord(_ word: UnsafeBufferPointer<UInt8>, state: inout EncodeState, into out: inout [Int32]) {
        let cacheable = params.cacheWords && word.count <= 256
        var key: [UInt8] = []
        if cacheable {
            key = Array(word)
            if let hit = state.cache[key] {
                out.append(contentsOf: hit)
                return
            }
        }
        var symbols = state.symbols
        state.symbols = []
        symbols.removeAll(keepingCapacity: true)
        switch spec.model {
        case .byteLevelBPE:
            for b in word where byteIDs[Int(b)] >= 0 { symbols.append(byteIDs[Int(b)]) }
        case .sentencePieceBPE:
            sentencePieceSymbols(word, into: &symbols)
        }
        bpeMerge(&symbols, table: merges, variant: params.mergeVariant)
        out.append(contentsOf: symbols)
        if cacheable { state.cache[key] = symbols }
        state.symbols = symbols
    }

    /// Unicode scalars as base symbols; a scalar missing from the vocabulary becomes its UTF-8 bytes as
    /// `<0xXX>` tokens (byte fallback), else the unknown token (consecutive unknowns fused into one).
    func sentencePieceSymbols(_ word: UnsafeBufferPointer<UInt8>, into symbols: inout [Int32]) {
        let unk = spec.unknownID.map(Int32.init)
        var lastWasUnknown = false
        var i = 0
        let n = word.count
        while i < n {
            let b0 = word[i]
            var len = 1
            var v = UInt32(b0)
            if b0 >= 0xF0 { len = 4; v = UInt32(b0 & 0x07) } else if b0 >= 0xE0 { len = 3; v = UInt32(b0 & 0x0F) } else if b0 >= 0xC0 {
                len = 2; v = UInt32(b0 & 0x1F)
            }
            len = min(len, n - i)
            if len > 1 { for k in 1..<len { v = (v << 6) | UInt32(word[i + k] & 0x3F) } }
            if let id = scalarIDs[v] {
                symbols.append(id)
                lastWasUnknown = false
            } else {
                var ok = spec.byteFallback
                if ok { for k in 0..<len where byteIDs[Int(word[i + k])] < 0 { ok = false } }
                if ok {
                    for k in 0..<len { symbols.append(byteIDs[Int(word[i + k])]) }
                    lastWasUnknown = false
                } else if let unk {
                    if !lastWasUnknown { symbols.append(unk) }
                    lastWasUnknown = true
                }
            }
            i += len
        }
    }
}
