import Foundation

/// Reads a Hugging Face `tokenizer.json` into a `TokenizerDescription`.
///
/// Supported: model `BPE` (vocab, merges as `"a b"` strings or `["a", "b"]` pairs, `byte_fallback`,
/// `unk_token`); `added_tokens` (`special`, `normalized`); pre-tokenizers `ByteLevel` (with or without its
/// GPT-2 regex), `Digits(individual_digits)`, `Split` with a regex (isolated), `Metaspace`, `Split(" ")`
/// and `Sequence`s of these; normalizers `Replace(" " → "▁")`, `Prepend("▁")` and `Sequence`s of them;
/// a `TemplateProcessing` post-processor for BOS/EOS. The decoder follows from the model kind.
public enum TokenizerJSON {
    /// Parses the file at `url`.
    public static func description(contentsOf url: URL) throws -> TokenizerDescription {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.invalid(source: url.path, field: "file", reason: "cannot read: \(error.localizedDescription)")
        }
        return try description(data: data, source: url.path)
    }

    /// Parses tokenizer.json bytes.
    public static func description(data: Data, source: String = "tokenizer.json") throws(TokenizerError) -> TokenizerDescription {
        func bad(_ field: String, _ reason: String) -> TokenizerError { .invalid(source: source, field: field, reason: reason) }
        let root: [String: Any]
        do {
            guard let r = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("(root)", "not an object") }
            root = r
        } catch let e as TokenizerError { throw e } catch { throw bad("(root)", "not JSON: \(error.localizedDescription)") }

        guard let model = root["model"] as? [String: Any] else { throw bad("model", "missing") }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw .unsupported(source: source, field: "model.type", value: type) }
        guard let vocabDict = model["vocab"] as? [String: Any] else { throw bad("model.vocab", "missing") }

        // Tokens by id: the vocabulary plus added tokens beyond it.
        var byID: [Int: String] = [:]
        for (t, v) in vocabDict {
            guard let id = (v as? NSNumber)?.intValue, id >= 0 else { throw bad("model.vocab[\(t)]", "not an id") }
            byID[id] = t
        }
        var added: [TokenizerDescription.AddedToken] = []
        for (i, entry) in (root["added_tokens"] as? [[String: Any]] ?? []).enumerated() {
            guard let id = (entry["id"] as? NSNumber)?.intValue, id >= 0, let content = entry["content"] as? String else {
                throw bad("added_tokens[\(i)]", "needs id and content")
            }
            if let existing = byID[id], existing != content {
                throw bad("added_tokens[\(i)]", "id \(id) is '\(existing)' in the vocabulary")
            }
            byID[id] = content
            added.append(.init(id: id, content: content, special: entry["special"] as? Bool ?? false,
                               normalized: entry["normalized"] as? Bool ?? false))
        }
        let count = (byID.keys.max() ?? -1) + 1
        var tokens: [String] = []
        tokens.reserveCapacity(count)
        for id in 0..<count {
            guard let t = byID[id] else { throw bad("model.vocab", "no token has id \(id)") }
            tokens.append(t)
        }

        var merges: [TokenizerDescription.Merge] = []
        for (i, m) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw bad("model.merges[\(i)]", "expected 'left right'") }
                merges.append(.init(String(parts[0]), String(parts[1])))
            } else if let p = m as? [String], p.count == 2 {
                merges.append(.init(p[0], p[1]))
            } else {
                throw bad("model.merges[\(i)]", "expected a string or a pair")
            }
        }

        // Pre-tokenizer and normalizer.
        var byteLevel = false
        var pre: PreTokenizer = .none
        var digits = false
        var spacePrefix: TokenizerDescription.SpacePrefix = .none
        var metaspace = false
        func visitPre(_ node: Any?, _ path: String) throws(TokenizerError) {
            guard let node = node as? [String: Any] else { return }
            let t = node["type"] as? String ?? ""
            switch t {
            case "Sequence":
                for (i, p) in (node["pretokenizers"] as? [Any] ?? []).enumerated() { try visitPre(p, "\(path)[\(i)]") }
            case "ByteLevel":
                byteLevel = true
                if node["use_regex"] as? Bool ?? true {
                    guard pre == .none else { throw .unsupported(source: source, field: path, value: "two regex splits") }
                    pre = digits ? .smollm : .gpt2
                }
                if node["add_prefix_space"] as? Bool ?? false { spacePrefix = .everySegment }
            case "Digits":
                guard node["individual_digits"] as? Bool ?? false else {
                    throw .unsupported(source: source, field: path, value: "Digits without individual_digits")
                }
                digits = true
            case "Split":
                let pattern = node["pattern"] as? [String: Any]
                if let s = pattern?["String"] as? String, s == " " {
                    return  // Gemma: the normalizer already turned spaces into ▁; nothing left to split.
                }
                guard let r = pattern?["Regex"] as? String else {
                    throw .unsupported(source: source, field: "\(path).pattern", value: String(describing: pattern))
                }
                let behavior = node["behavior"] as? String ?? "Isolated"
                guard behavior == "Isolated", !(node["invert"] as? Bool ?? false) else {
                    throw .unsupported(source: source, field: "\(path).behavior", value: behavior)
                }
                pre = PreTokenizer(pattern: r)
            case "Metaspace":
                metaspace = true
                if node["split"] as? Bool ?? true { pre = .metaspace }
                switch node["prepend_scheme"] as? String ?? ((node["add_prefix_space"] as? Bool ?? true) ? "always" : "never") {
                case "first": spacePrefix = .firstSegment
                case "always": spacePrefix = .everySegment
                default: break
                }
            default:
                throw .unsupported(source: source, field: "\(path).type", value: t)
            }
        }
        try visitPre(root["pre_tokenizer"], "pre_tokenizer")
        if digits, pre == .none { throw .unsupported(source: source, field: "pre_tokenizer", value: "Digits alone") }

        var replacesSpaces = false
        func visitNorm(_ node: Any?, _ path: String) throws(TokenizerError) {
            guard let node = node as? [String: Any] else { return }
            let t = node["type"] as? String ?? ""
            switch t {
            case "Sequence":
                for (i, n) in (node["normalizers"] as? [Any] ?? []).enumerated() { try visitNorm(n, "\(path)[\(i)]") }
            case "Replace":
                let from = (node["pattern"] as? [String: Any])?["String"] as? String
                guard from == " ", node["content"] as? String == "\u{2581}" else {
                    throw .unsupported(source: source, field: path, value: "Replace other than ' ' → '▁'")
                }
                replacesSpaces = true
            case "Prepend":
                guard node["prepend"] as? String == "\u{2581}" else {
                    throw .unsupported(source: source, field: path, value: "Prepend other than '▁'")
                }
                spacePrefix = .everySegment
            case "NFC", "NFKC", "NFD", "NFKD", "Lowercase", "Strip", "StripAccents", "Precompiled":
                throw .unsupported(source: source, field: "\(path).type", value: t)
            default:
                throw .unsupported(source: source, field: "\(path).type", value: t)
            }
        }
        try visitNorm(root["normalizer"], "normalizer")
        let kind: TokenizerDescription.Model
        if byteLevel {
            kind = .byteLevelBPE
        } else if replacesSpaces || metaspace {
            kind = .sentencePieceBPE
        } else {
            throw .unsupported(source: source, field: "pre_tokenizer", value: "neither ByteLevel nor ▁ spaces")
        }

        // BOS/EOS from the post-processor.
        var bos: Int? = nil, eos: Int? = nil
        var addBOS = false, addEOS = false
        func idOf(_ token: String) -> Int? { byID.first(where: { $0.value == token })?.key }
        if let post = root["post_processor"] as? [String: Any], post["type"] as? String == "TemplateProcessing",
           let single = post["single"] as? [[String: Any]] {
            var seenSequence = false
            for item in single {
                if item["Sequence"] != nil { seenSequence = true; continue }
                guard let st = item["SpecialToken"] as? [String: Any], let name = st["id"] as? String else { continue }
                let special = (post["special_tokens"] as? [String: Any])?[name] as? [String: Any]
                let id = ((special?["ids"] as? [Any])?.first as? NSNumber)?.intValue ?? idOf(name)
                guard let id else { throw bad("post_processor.special_tokens", "unknown token \(name)") }
                if seenSequence { eos = id; addEOS = true } else { bos = id; addBOS = true }
            }
        }
        var unk: Int? = nil
        if let u = model["unk_token"] as? String {
            guard let id = vocabDict[u].flatMap({ ($0 as? NSNumber)?.intValue }) else { throw bad("model.unk_token", "'\(u)' not in vocab") }
            unk = id
        }
        return TokenizerDescription(
            model: kind, tokens: tokens, merges: merges, scores: nil, tokenTypes: nil, addedTokens: added,
            preTokenizer: pre, spacePrefix: spacePrefix,
            byteFallback: model["byte_fallback"] as? Bool ?? false, bosID: bos, eosID: eos, unknownID: unk,
            paddingID: nil, addBOS: addBOS, addEOS: addEOS)
    }
}
