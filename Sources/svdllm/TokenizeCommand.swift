import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm tokenize MODEL`: token ids of a text under the model's tokenizer.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text (the count goes to stderr).",
        discussion: """
            MODEL is a .gguf file or a Hugging Face folder with tokenizer.json. Special tokens written in the
            text (e.g. <|im_start|>) are recognized; BOS/EOS are added as the tokenizer says unless --no-special.
            """)

    @Argument(help: "A .gguf file or a Hugging Face model folder.")
    var model: String

    @Option(help: "Read the text from this file.")
    var text: String?

    @Option(help: "The text itself.")
    var string: String?

    @Flag(help: "Print {\"ids\":[...],\"count\":N,\"tokens\":[...]}.")
    var json = false

    @Flag(name: .customLong("no-special"), help: "Do not add BOS/EOS.")
    var noSpecial = false

    func validate() throws {
        guard (text == nil) != (string == nil) else { throw ValidationError("give exactly one of --text FILE and --string S") }
    }

    func run() throws {
        let input: String
        if let text {
            do { input = try String(contentsOf: URL(fileURLWithPath: text), encoding: .utf8) } catch {
                throw CLIError("\(text): cannot read as UTF-8 text: \(error.localizedDescription)")
            }
        } else {
            input = string!
        }
        let tokenizer = try ModelSource(URL(fileURLWithPath: model)).tokenizer()
        let ids = tokenizer.encode(input, addSpecialTokens: !noSpecial)
        if json {
            let tokens = try ids.map { try JSONValue.quote(tokenizer.token(of: $0)) }
            print("{\"ids\":[\(ids.map(String.init).joined(separator: ","))],\"count\":\(ids.count),"
                  + "\"tokens\":[\(tokens.joined(separator: ","))]}")
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
        FileHandle.standardError.write(Data("\(ids.count) tokens\n".utf8))
    }
}
