import Foundation
import Formats
import Tokenizers

/// The data formats of `svdllm finetune --format`.
public enum DataFormat: String, Sendable, Codable, CaseIterable {
    /// Any UTF-8 text: tokenized whole (no special tokens) and cut into consecutive windows of the cutoff length
    /// (BOS first when the tokenizer adds one, then cutoff − 1 text tokens); the partial last window is dropped;
    /// every next token is scored.
    case text
    /// Instruction data (a JSON array or JSON lines of objects with `instruction`, optional `input`, `output`),
    /// laid out with the Alpaca prompt template LLM-Pruner's post-training uses (``AlpacaPrompt``).
    case alpaca
    /// Conversations (a JSON array or JSON lines of objects with `conversations`: [{"from", "value"}]), laid out
    /// by a ``ChatTemplate``; assistant turns are scored.
    case sharegpt
}

/// How examples are made from records.
public struct DataSettings: Sendable, Equatable {
    public var format: DataFormat
    /// Tokens per example (longer ones are cut).
    public var cutoffLength: Int
    /// Score the prompt tokens too (alpaca, sharegpt), as LLM-Pruner's `--train_on_inputs`.
    public var trainOnInputs: Bool
    public var chatTemplate: ChatTemplate

    public init(format: DataFormat, cutoffLength: Int, trainOnInputs: Bool = false, chatTemplate: ChatTemplate = .vicuna) {
        self.format = format
        self.cutoffLength = cutoffLength
        self.trainOnInputs = trainOnInputs
        self.chatTemplate = chatTemplate
    }
}

/// A data file read into training examples (``TrainingSequence``), before the validation split.
public struct TrainingData: Sendable {
    public var examples: [TrainingSequence]
    /// Records read from the file (windows for text).
    public var records: Int
    /// Records that gave no example: an empty conversation, or nothing left to score after the cut.
    public var skipped: Int

    public init(examples: [TrainingSequence], records: Int, skipped: Int) {
        self.examples = examples
        self.records = records
        self.skipped = skipped
    }

    /// Reads `url` in `settings.format`. Throws before any work for a cutoff beyond `contextLength`, and with the
    /// line (JSON lines) or record index (a JSON array) and field of a malformed record; throws for a file that
    /// gives no example.
    public static func load(_ url: URL, settings: DataSettings, tokenizer: Tokenizer,
                            contextLength: Int) throws(TrainingError) -> TrainingData {
        guard settings.cutoffLength >= 2 else {
            throw .invalidArgument(name: "--cutoff-len", reason: "must be ≥ 2 (got \(settings.cutoffLength))")
        }
        guard settings.cutoffLength <= contextLength else {
            throw .cutoffTooLong(cutoff: settings.cutoffLength, context: contextLength)
        }
        let name = url.path
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw .io(path: name, reason: "cannot read: \(error.localizedDescription)")
        }
        let data: TrainingData
        switch settings.format {
        case .text:
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw .malformedData(file: name, line: 0, field: "text", reason: "not UTF-8")
            }
            data = textWindows(text, cutoff: settings.cutoffLength, tokenizer: tokenizer)
        case .alpaca, .sharegpt:
            var examples: [TrainingSequence] = [], skipped = 0, records = 0
            try forEachRecord(bytes, file: name) { record, place throws(TrainingError) in
                records += 1
                let e = settings.format == .alpaca
                    ? try alpacaExample(record, place: place, file: name, settings: settings, tokenizer: tokenizer)
                    : try shareGPTExample(record, place: place, file: name, settings: settings, tokenizer: tokenizer)
                if let e, e.targetCount > 0 { examples.append(e) } else { skipped += 1 }
            }
            data = TrainingData(examples: examples, records: records, skipped: skipped)
        }
        guard !data.examples.isEmpty else {
            throw .emptyDataSet(file: name, reason: data.records == 0
                ? (settings.format == .text ? "the text is shorter than one window of \(settings.cutoffLength) tokens" : "no records")
                : "none of its \(data.records) records has a token to predict")
        }
        return data
    }

    /// Where a record sits, for errors: a line of a JSON-lines file, or an index of a JSON array.
    public enum Place: Sendable {
        case line(Int), index(Int)

        var line: Int { if case let .line(l) = self { return l } else { return 0 } }
        func field(_ f: String) -> String { if case let .index(i) = self { return "[\(i)].\(f)" } else { return f } }
    }

    /// Calls `body` with every top-level object: the elements of a JSON array, or one object per non-blank line.
    static func forEachRecord(_ bytes: Data, file: String,
                              _ body: (JSONValue, Place) throws(TrainingError) -> Void) throws(TrainingError) {
        let first = bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "[") {
            let value: JSONValue
            do { value = try JSONValue.parse(bytes) } catch {
                let line = bytes.prefix(error.offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw .malformedData(file: file, line: line, field: "(JSON)", reason: error.message)
            }
            for (i, v) in (value.array ?? []).enumerated() { try body(v, .index(i)) }
            return
        }
        var line = 0
        for chunk in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            guard chunk.contains(where: { !($0 == 0x20 || $0 == 0x0D || $0 == 0x09) }) else { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(Data(chunk)) } catch {
                throw .malformedData(file: file, line: line, field: "(JSON)", reason: error.description)
            }
            try body(value, .line(line))
        }
    }

    /// A string field of a record; `required` false: absent or null gives "".
    static func string(_ record: JSONValue, _ key: String, place: Place, file: String,
                       required: Bool = true) throws(TrainingError) -> String {
        guard record.members != nil else {
            throw .malformedData(file: file, line: place.line, field: place.field("(record)"), reason: "not a JSON object")
        }
        switch record[key] {
        case let .string(s)?: return s
        case nil where !required, .null? where !required: return ""
        case nil: throw .malformedData(file: file, line: place.line, field: place.field(key), reason: "missing")
        default: throw .malformedData(file: file, line: place.line, field: place.field(key), reason: "not a string")
        }
    }

    // MARK: - The formats

    static func textWindows(_ text: String, cutoff: Int, tokenizer: Tokenizer) -> TrainingData {
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        let bos = tokenizer.spec.addBOS ? tokenizer.spec.bosID : nil
        let width = cutoff - (bos == nil ? 0 : 1)
        let windows = ids.count / width
        let examples = (0..<windows).map { w in
            TrainingSequence(tokens: (bos.map { [$0] } ?? []) + ids[w * width..<(w + 1) * width])
        }
        return TrainingData(examples: examples, records: windows, skipped: 0)
    }

    /// LLM-Pruner's `generate_and_tokenize_prompt`: the full prompt tokenized (with the tokenizer's special tokens)
    /// and cut to the cutoff, EOS appended when it is not last and there is room; unless training on inputs, the
    /// first len(tokenized prompt without the output) labels masked.
    static func alpacaExample(_ record: JSONValue, place: Place, file: String, settings: DataSettings,
                              tokenizer: Tokenizer) throws(TrainingError) -> TrainingSequence? {
        let instruction = try string(record, "instruction", place: place, file: file)
        let input = try string(record, "input", place: place, file: file, required: false)
        let output = try string(record, "output", place: place, file: file)
        let cutoff = settings.cutoffLength
        var ids = Array(tokenizer.encode(AlpacaPrompt.prompt(instruction: instruction, input: input) + output).prefix(cutoff))
        if let eos = tokenizer.spec.eosID, ids.last != eos, ids.count < cutoff { ids.append(eos) }
        var labels = ids
        if !settings.trainOnInputs {
            let user = min(cutoff, tokenizer.encode(AlpacaPrompt.prompt(instruction: instruction, input: input)).count)
            for i in 0..<min(user, labels.count) { labels[i] = -100 }
        }
        return TrainingSequence(tokens: ids, labels: labels)
    }

    /// A conversation rendered by the chat template, piece by piece (each tokenized alone, special tokens parsed),
    /// BOS first when the tokenizer adds one, cut to the cutoff; nil for an empty conversation.
    static func shareGPTExample(_ record: JSONValue, place: Place, file: String, settings: DataSettings,
                                tokenizer: Tokenizer) throws(TrainingError) -> TrainingSequence? {
        guard record.members != nil else {
            throw .malformedData(file: file, line: place.line, field: place.field("(record)"), reason: "not a JSON object")
        }
        guard let turns = record["conversations"]?.array else {
            throw .malformedData(file: file, line: place.line, field: place.field("conversations"),
                                 reason: record["conversations"] == nil ? "missing" : "not an array")
        }
        var parsed: [(role: ChatTemplate.Role, text: String)] = []
        for (i, turn) in turns.enumerated() {
            let from = try string(turn, "from", place: place, file: file)
            let value = try string(turn, "value", place: place, file: file)
            let role: ChatTemplate.Role
            switch from.lowercased() {
            case "human", "user": role = .user
            case "gpt", "assistant", "chatgpt", "bing", "bard", "model": role = .assistant
            case "system": role = .system
            default:
                throw .malformedData(file: file, line: place.line, field: place.field("conversations[\(i)].from"),
                                     reason: "unknown speaker '\(from)' (human, user, gpt, assistant, system, …)")
            }
            parsed.append((role, value))
        }
        guard parsed.contains(where: { $0.role == .assistant }) else { return nil }
        let cutoff = settings.cutoffLength
        var ids: [Int] = [], labels: [Int] = []
        if tokenizer.spec.addBOS, let bos = tokenizer.spec.bosID {
            ids.append(bos)
            labels.append(-100)
        }
        for piece in settings.chatTemplate.render(parsed) where ids.count < cutoff {
            var p = tokenizer.encode(piece.text, addSpecialTokens: false)
            if piece.eos, let eos = tokenizer.spec.eosID { p.append(eos) }
            ids += p
            labels += piece.scored || settings.trainOnInputs ? p : [Int](repeating: -100, count: p.count)
        }
        return TrainingSequence(tokens: Array(ids.prefix(cutoff)), labels: Array(labels.prefix(cutoff)))
    }

    // MARK: - Validation split

    /// `validationSize` examples held out for validation, chosen by a permutation seeded with
    /// derive(seed, split) (``TrainingSeeds``); both sets keep the file's order.
    public func split(validationSize: Int, seed: UInt64) throws(TrainingError)
        -> (train: [TrainingSequence], validation: [TrainingSequence]) {
        guard validationSize >= 0 else { throw .invalidArgument(name: "--val-set-size", reason: "must be ≥ 0 (got \(validationSize))") }
        guard validationSize < examples.count else {
            throw .invalidArgument(name: "--val-set-size", reason: "\(validationSize) leaves no training example of \(examples.count)")
        }
        let order = TrainingSeeds.shuffled(Array(examples.indices),
                                           seed: TrainingSeeds.derive(seed, purpose: TrainingSeeds.split))
        let held = Set(order.prefix(validationSize))
        return (examples.indices.filter { !held.contains($0) }.map { examples[$0] },
                examples.indices.filter { held.contains($0) }.map { examples[$0] })
    }
}

/// The Alpaca prompt template (LLM-Pruner's `templates/alpaca.json`, from alpaca-lora).
public enum AlpacaPrompt {
    /// The prompt before the response (the response text follows it directly).
    public static func prompt(instruction: String, input: String) -> String {
        if input.isEmpty {
            return "Below is an instruction that describes a task. Write a response that appropriately completes the "
                + "request.\n\n### Instruction:\n\(instruction)\n\n### Response:\n"
        }
        return "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n\(instruction)\n\n"
            + "### Input:\n\(input)\n\n### Response:\n"
    }
}
