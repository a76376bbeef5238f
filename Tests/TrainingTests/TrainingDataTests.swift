import Foundation
import Testing
import Tokenizers
@testable import Training

/// The byte-level tokenizer fixture of TokenizersTests (ChatML special tokens), EOS = <|im_end|>.
func tinyTokenizer(bos: Bool = false) throws -> Tokenizer {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TokenizersTests/Fixtures/tiny_bytelevel.tokenizer.json")
    var d = try TokenizerJSON.description(contentsOf: url)
    d.eosID = 2
    if bos {
        d.bosID = 0
        d.addBOS = true
    }
    return try Tokenizer(d)
}

func writeTemporary(_ text: String, _ ext: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lora-data-\(UUID().uuidString).\(ext)")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

@Test func textIsCutIntoScoredWindows() throws {
    let tok = try tinyTokenizer(bos: true)
    let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20)
    let url = try writeTemporary(text, "txt")
    defer { try? FileManager.default.removeItem(at: url) }
    let data = try TrainingData.load(url, settings: DataSettings(format: .text, cutoffLength: 16), tokenizer: tok,
                                     contextLength: 128)
    let ids = tok.encode(text, addSpecialTokens: false)
    #expect(data.examples.count == ids.count / 15)
    #expect(data.examples[1].tokens == [0] + Array(ids[15..<30]))
    #expect(data.examples.allSatisfy { $0.targetCount == 15 && $0.tokens.count == 16 })
}

@Test func alpacaFollowsLLMPrunersTokenization() throws {
    let tok = try tinyTokenizer()
    let lines = [#"{"instruction": "Name a color.", "input": "", "output": "Blue."}"#,
                 #"{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}"#]
    let url = try writeTemporary(lines.joined(separator: "\n") + "\n", "jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    let masked = try TrainingData.load(url, settings: DataSettings(format: .alpaca, cutoffLength: 200), tokenizer: tok,
                                       contextLength: 512)
    let prompt = AlpacaPrompt.prompt(instruction: "Add the numbers.", input: "2 and 3")
    #expect(prompt.contains("### Input:\n2 and 3\n\n### Response:\n"))
    let full = tok.encode(prompt + "5") + [2]
    let e = masked.examples[1]
    #expect(e.tokens == full)
    // Targets start at the first output token: position p predicts token p + 1, so the first scored position is
    // len(prompt) − 1.
    let user = tok.encode(prompt).count
    #expect(e.targets.prefix(user - 1).allSatisfy { $0 == -1 })
    #expect(Array(e.targets[(user - 1)...]) == Array(full[user...]) + [-1])
    var settings = DataSettings(format: .alpaca, cutoffLength: 200, trainOnInputs: true)
    let all = try TrainingData.load(url, settings: settings, tokenizer: tok, contextLength: 512)
    #expect(all.examples[1].targetCount == full.count - 1)
    // Cut at the cutoff: no EOS appended when the cut leaves no room; a prompt longer than the cutoff leaves
    // nothing to score, and the example is skipped.
    settings = DataSettings(format: .alpaca, cutoffLength: 12)
    let short = try? TrainingData.load(url, settings: settings, tokenizer: tok, contextLength: 512)
    #expect(short == nil)
}

@Test func malformedRecordsNameTheirLineAndField() throws {
    let tok = try tinyTokenizer()
    let cases: [(String, String, TrainingError)] = [
        (#"{"instruction": "a", "output": "b"}"# + "\n" + #"{"instruction": "a", "output": 3}"#, "jsonl",
         .malformedData(file: "", line: 2, field: "output", reason: "not a string")),
        (#"{"instruction": "a", "output": "b"}"# + "\n\n" + #"{"instruction": "a"}"#, "jsonl",
         .malformedData(file: "", line: 3, field: "output", reason: "missing")),
        (#"[{"instruction": "a", "output": "b"}, {"output": "c"}]"#, "json",
         .malformedData(file: "", line: 0, field: "[1].instruction", reason: "missing")),
    ]
    for (text, ext, expected) in cases {
        let url = try writeTemporary(text, ext)
        defer { try? FileManager.default.removeItem(at: url) }
        guard case let .malformedData(_, line, field, reason) = expected else { return }
        #expect(throws: TrainingError.malformedData(file: url.path, line: line, field: field, reason: reason)) {
            _ = try TrainingData.load(url, settings: DataSettings(format: .alpaca, cutoffLength: 64), tokenizer: tok,
                                      contextLength: 128)
        }
    }
    let bad = try writeTemporary(#"{"instruction": "a", "output": "b"}"# + "\n{oops\n", "jsonl")
    defer { try? FileManager.default.removeItem(at: bad) }
    #expect {
        _ = try TrainingData.load(bad, settings: DataSettings(format: .alpaca, cutoffLength: 64), tokenizer: tok, contextLength: 128)
    } throws: { e in
        if case let .malformedData(_, 2, "(JSON)", _)? = e as? TrainingError { return true }
        return false
    }
    let speaker = try writeTemporary(#"{"conversations": [{"from": "robot", "value": "hi"}]}"#, "jsonl")
    defer { try? FileManager.default.removeItem(at: speaker) }
    #expect(throws: TrainingError.malformedData(file: speaker.path, line: 1, field: "conversations[0].from",
                                                reason: "unknown speaker 'robot' (human, user, gpt, assistant, system, …)")) {
        _ = try TrainingData.load(speaker, settings: DataSettings(format: .sharegpt, cutoffLength: 64), tokenizer: tok,
                                  contextLength: 128)
    }
    #expect(throws: TrainingError.cutoffTooLong(cutoff: 256, context: 128)) {
        _ = try TrainingData.load(speaker, settings: DataSettings(format: .sharegpt, cutoffLength: 256), tokenizer: tok,
                                  contextLength: 128)
    }
    let empty = try writeTemporary("\n", "jsonl")
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(throws: TrainingError.emptyDataSet(file: empty.path, reason: "no records")) {
        _ = try TrainingData.load(empty, settings: DataSettings(format: .alpaca, cutoffLength: 64), tokenizer: tok, contextLength: 128)
    }
}

@Test func shareGPTScoresTheAssistantTurnsInTheChatFormat() throws {
    let tok = try tinyTokenizer()
    let lines = [#"{"id": "a", "conversations": [{"from": "human", "value": "hi there"}, {"from": "gpt", "value": "hello"}]}"#,
                 #"{"id": "b", "conversations": []}"#]
    let url = try writeTemporary(lines.joined(separator: "\n"), "jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    let data = try TrainingData.load(url, settings: DataSettings(format: .sharegpt, cutoffLength: 128, chatTemplate: .chatML),
                                     tokenizer: tok, contextLength: 256)
    #expect(data.records == 2 && data.skipped == 1 && data.examples.count == 1)
    let user = tok.encode("<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false)
    let answer = tok.encode("hello<|im_end|>\n", addSpecialTokens: false)
    #expect(data.examples[0].tokens == user + answer)
    #expect(data.examples[0].targets == [Int](repeating: -1, count: user.count - 1) + answer + [-1])
    #expect(ChatTemplate(chatTemplate: "{% for m in messages %}<start_of_turn>") == .gemma)
    let vicuna = ChatTemplate.vicuna.render([(.user, "q"), (.assistant, "a")])
    #expect(vicuna.map(\.text) == [ChatTemplate.vicunaSystem + " ", "USER: q ASSISTANT:", " a"] && vicuna[2].eos)
}

@Test func validationSplitIsSeededAndDisjoint() throws {
    let examples = (0..<10).map { TrainingSequence(tokens: [$0, $0 + 1]) }
    let data = TrainingData(examples: examples, records: 10, skipped: 0)
    let (train, val) = try data.split(validationSize: 3, seed: 42)
    #expect(train.count == 7 && val.count == 3)
    #expect(Set((train + val).map(\.tokens[0])) == Set(0..<10))
    #expect(try data.split(validationSize: 3, seed: 42).validation == val)
    #expect(try data.split(validationSize: 3, seed: 43).validation != val)
    #expect(throws: TrainingError.self) { _ = try data.split(validationSize: 10, seed: 1) }
}
