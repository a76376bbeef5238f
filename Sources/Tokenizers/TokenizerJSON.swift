import Foundation
import Formats

/// Reads a Hugging Face `tokenizer.json` into a `TokenizerDescription`.
///
/// Supported: model `BPE` (vocab, merges as `"a b"` strings or `["a", "b"]` pairs, `byte_fallback`,
/// `unk_token`); `added_tokens` (`special`, `normalized`); pre-tokenizers `ByteLevel` (with or without its
/// GPT-2 regex), `Digits(individual_digits)`, `Split` with a regex (isolated), `Metaspace`, `Split(" ")`
/// and `Sequence`s of these, read in their order (where `Digits` stands changes the words, see
/// `PreTokenizer.DigitsStep`; orders this toolkit cannot reproduce are refused); normalizers `Replace(" " → "▁")`, `Prepend("▁")` and `Sequence`s of them;
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
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch {
            throw bad("(root)", "not JSON at byte \(error.offset): \(error.message)")
        }
        guard root.members != nil else { throw bad("(root)", "not an object") }

        guard let model = root["model"], model.members != nil else { throw bad("model", "missing") }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else { throw .unsupported(source: source, field: "model.type", value: type) }
        guard let vocabMembers = model["vocab"]?.members else { throw bad("model.vocab", "missing") }

        // Tokens by id: the vocabulary plus added tokens beyond it.
        var byID: [Int: String] = [:]
        for (t, v) in vocabMembers {
            guard let id = v.int, id >= 0 else { throw bad("model.vocab[\(t)]", "not an id") }
            byID[id] = t
        }
        var added: [TokenizerDescription.AddedToken] = []
        for (i, entry) in (root["added_tokens"]?.array ?? []).enumerated() {
            guard let id = entry["id"]?.int, id >= 0, let content = entry["content"]?.string else {
                throw bad("added_tokens[\(i)]", "needs id and content")
            }
            if let existing = byID[id], !existing.utf8.elementsEqual(content.utf8) {
                throw bad("added_tokens[\(i)]", "id \(id) is '\(existing)' in the vocabulary")
            }
            byID[id] = content
            added.append(.init(id: id, content: content, special: entry["special"]?.bool ?? false,
                               normalized: entry["normalized"]?.bool ?? false))
        }
        // The ids must be exactly 0..<n, n the number of distinct ids: checked before anything is sized by the
        // largest id the file claims (an id of 2⁶² would otherwise reserve 2⁶² tokens).
        let count = byID.count
        var tokens: [String] = []
        tokens.reserveCapacity(count)
        for id in 0..<count {
            guard let t = byID[id] else { throw bad("model.vocab", "no token has id \(id)") }
            tokens.append(t)
        }

        var merges: [TokenizerDescription.Merge] = []
        for (i, m) in (model["merges"]?.array ?? []).enumerated() {
            if let s = m.string {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw bad("model.merges[\(i)]", "expected 'left right'") }
                merges.append(.init(String(parts[0]), String(parts[1])))
            } else if let p = m.array, p.count == 2, let l = p[0].string, let r = p[1].string {
                merges.append(.init(l, r))
            } else {
                throw bad("model.merges[\(i)]", "expected a string or a pair")
            }
        }

        // Pre-tokenizer: the steps in `Sequence` order, then what they amount to.
        var steps: [(step: PreStep, path: String)] = []
        var byteLevel = false
        var spacePrefix: TokenizerDescription.SpacePrefix = .none
        var metaspace = false
        func visitPre(_ node: JSONValue?, _ path: String) throws(TokenizerError) {
            guard let node, node.members != nil else { return }
            let t = node["type"]?.string ?? ""
            switch t {
            case "Sequence":
                for (i, p) in (node["pretokenizers"]?.array ?? []).enumerated() { try visitPre(p, "\(path)[\(i)]") }
            case "ByteLevel":
                byteLevel = true
                if node["add_prefix_space"]?.bool ?? false {
                    // Hugging Face prefixes every piece an earlier step made, not just the segment.
                    guard steps.isEmpty else {
                        throw .unsupported(source: source, field: "\(path).add_prefix_space", value: "true after another split")
                    }
                    spacePrefix = .everySegmentUnlessPresent
                }
                steps.append((.byteLevel(regex: node["use_regex"]?.bool ?? true), path))
            case "Digits":
                guard node["individual_digits"]?.bool ?? false else {
                    throw .unsupported(source: source, field: path, value: "Digits without individual_digits")
                }
                steps.append((.digits, path))
            case "Split":
                let pattern = node["pattern"]
                if let s = pattern?["String"]?.string, s == " " {
                    return  // Gemma: the normalizer already turned spaces into ▁; nothing left to split.
                }
                guard let r = pattern?["Regex"]?.string else {
                    throw .unsupported(source: source, field: "\(path).pattern", value: "not a regex")
                }
                let behavior = node["behavior"]?.string ?? "Isolated"
                guard behavior == "Isolated", !(node["invert"]?.bool ?? false) else {
                    throw .unsupported(source: source, field: "\(path).behavior", value: behavior)
                }
                steps.append((.split(PreTokenizer(pattern: r)), path))
            case "Metaspace":
                metaspace = true
                if node["split"]?.bool ?? true { steps.append((.metaspace, path)) }
                switch node["prepend_scheme"]?.string ?? ((node["add_prefix_space"]?.bool ?? true) ? "always" : "never") {
                case "first": spacePrefix = .firstSegment
                case "always": spacePrefix = .everySegmentUnlessPresent
                default: break
                }
            default:
                throw .unsupported(source: source, field: "\(path).type", value: t)
            }
        }
        try visitPre(root["pre_tokenizer"], "pre_tokenizer")
        let pre = try preTokenizer(steps, metaspace: metaspace, source: source)

        var replacesSpaces = false
        func visitNorm(_ node: JSONValue?, _ path: String) throws(TokenizerError) {
            guard let node, node.members != nil else { return }
            let t = node["type"]?.string ?? ""
            switch t {
            case "Sequence":
                for (i, n) in (node["normalizers"]?.array ?? []).enumerated() { try visitNorm(n, "\(path)[\(i)]") }
            case "Replace":
                let from = node["pattern"]?["String"]?.string
                guard from == " ", node["content"]?.string == "\u{2581}" else {
                    throw .unsupported(source: source, field: path, value: "Replace other than ' ' → '▁'")
                }
                replacesSpaces = true
            case "Prepend":
                guard node["prepend"]?.string == "\u{2581}" else {
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
        func idOf(_ token: String) -> Int? { byID.first(where: { $0.value.utf8.elementsEqual(token.utf8) })?.key }
        if let post = root["post_processor"], post["type"]?.string == "TemplateProcessing",
           let single = post["single"]?.array {
            var seenSequence = false
            for item in single {
                if item["Sequence"] != nil { seenSequence = true; continue }
                guard let name = item["SpecialToken"]?["id"]?.string else { continue }
                let id = post["special_tokens"]?[name]?["ids"]?.array?.first?.int ?? idOf(name)
                guard let id else { throw bad("post_processor.special_tokens", "unknown token \(name)") }
                if seenSequence { eos = id; addEOS = true } else { bos = id; addBOS = true }
            }
        }
        var unk: Int? = nil
        if let u = model["unk_token"]?.string {
            guard let id = model["vocab"]?[u]?.int else { throw bad("model.unk_token", "'\(u)' not in vocab") }
            unk = id
        }
        return TokenizerDescription(
            model: kind, tokens: tokens, merges: merges, scores: nil, tokenTypes: nil, addedTokens: added,
            preTokenizer: pre, spacePrefix: spacePrefix,
            byteFallback: model["byte_fallback"]?.bool ?? false, bosID: bos, eosID: eos, unknownID: unk,
            paddingID: nil, addBOS: addBOS, addEOS: addEOS)
    }

    /// One pre-tokenizer of a `Sequence`, as far as the split goes.
    fileprivate enum PreStep {
        case digits, byteLevel(regex: Bool), split(PreTokenizer), metaspace
    }

    /// What a pre-tokenizer `Sequence` amounts to. At most one splitting step (`Split`, `ByteLevel(use_regex)`
    /// — GPT-2's regex — or a splitting `Metaspace`); a `Split` must come before `ByteLevel` (after it, it would
    /// see the byte-level spelling); at most one `Digits`, placed by `PreTokenizer.DigitsStep`: after
    /// `ByteLevel` it is `.afterByteLevel`, else after the split `.after`, else `.before`. `Digits` with
    /// `Metaspace` is refused (Hugging Face would prepend `▁` by its own rule to the digit-split pieces).
    fileprivate static func preTokenizer(_ steps: [(step: PreStep, path: String)], metaspace: Bool,
                                         source: String) throws(TokenizerError) -> PreTokenizer {
        var pre: PreTokenizer = .none
        var splitAt: Int? = nil, byteLevelAt: Int? = nil, digitsAt: Int? = nil
        for (i, (step, path)) in steps.enumerated() {
            switch step {
            case .digits:
                guard digitsAt == nil else { throw .unsupported(source: source, field: path, value: "a second Digits") }
                guard !metaspace else { throw .unsupported(source: source, field: path, value: "Digits with Metaspace") }
                digitsAt = i
            case let .byteLevel(regex):
                guard byteLevelAt == nil else { throw .unsupported(source: source, field: path, value: "a second ByteLevel") }
                byteLevelAt = i
                if regex {
                    guard splitAt == nil else { throw .unsupported(source: source, field: path, value: "two regex splits") }
                    pre = .gpt2
                    splitAt = i
                }
            case let .split(p):
                guard splitAt == nil else { throw .unsupported(source: source, field: path, value: "two regex splits") }
                guard byteLevelAt == nil else { throw .unsupported(source: source, field: path, value: "Split after ByteLevel") }
                pre = p
                splitAt = i
            case .metaspace:
                guard splitAt == nil else { throw .unsupported(source: source, field: path, value: "two splits") }
                pre = .metaspace
                splitAt = i
            }
        }
        guard let d = digitsAt else { return pre }
        let step: PreTokenizer.DigitsStep
        if let b = byteLevelAt, d > b {
            step = .afterByteLevel
        } else if let sp = splitAt, d > sp {
            step = .after
        } else {
            step = .before
        }
        return .isolatingDigits(step, around: pre)
    }
}
