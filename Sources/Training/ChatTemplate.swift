/// How a conversation is laid out as text for `--format sharegpt`: the model's own chat format when it is one of
/// the families the toolkit recognizes (`svdllm` reads it from the model's chat template), else Vicuna v1.1's
/// (the format ShareGPT was first trained in). Each turn is a piece of text; assistant contents (with their end
/// marker) are the scored pieces.
///
///     chatML   <|im_start|>{role}\n{text}<|im_end|>\n                  (SmolLM2, Qwen2)
///     gemma    <start_of_turn>{user|model}\n{text}<end_of_turn>\n      (no system role: it opens the first user turn)
///     vicuna   {system} USER: {text} ASSISTANT: {text}</s>…           (EOS after each assistant turn)
public enum ChatTemplate: String, Sendable, Codable, CaseIterable {
    case chatML = "chatml", gemma, vicuna

    /// From a Jinja chat template's text (nil or unrecognized: Vicuna).
    public init(chatTemplate: String?) {
        if let t = chatTemplate, t.contains("<|im_start|>") {
            self = .chatML
        } else if let t = chatTemplate, t.contains("<start_of_turn>") {
            self = .gemma
        } else {
            self = .vicuna
        }
    }

    public enum Role: Sendable, Equatable { case system, user, assistant }

    /// One piece of a rendered conversation: its text, whether it is scored, and whether EOS follows it.
    public struct Piece: Sendable, Equatable {
        public var text: String
        public var scored: Bool
        public var eos: Bool
    }

    static let vicunaSystem = "A chat between a curious user and an artificial intelligence assistant. "
        + "The assistant gives helpful, detailed, and polite answers to the user's questions."

    /// The pieces of a conversation (turns in order).
    public func render(_ turns: [(role: Role, text: String)]) -> [Piece] {
        var out: [Piece] = []
        func plain(_ s: String) { out.append(Piece(text: s, scored: false, eos: false)) }
        switch self {
        case .chatML:
            for (role, text) in turns {
                switch role {
                case .system: plain("<|im_start|>system\n\(text)<|im_end|>\n")
                case .user: plain("<|im_start|>user\n\(text)<|im_end|>\n")
                case .assistant:
                    plain("<|im_start|>assistant\n")
                    out.append(Piece(text: "\(text)<|im_end|>\n", scored: true, eos: false))
                }
            }
        case .gemma:
            var pendingSystem: String?
            for (role, text) in turns {
                switch role {
                case .system: pendingSystem = (pendingSystem.map { $0 + "\n\n" } ?? "") + text
                case .user:
                    plain("<start_of_turn>user\n\(pendingSystem.map { $0 + "\n\n" } ?? "")\(text)<end_of_turn>\n")
                    pendingSystem = nil
                case .assistant:
                    plain("<start_of_turn>model\n")
                    out.append(Piece(text: "\(text)<end_of_turn>\n", scored: true, eos: false))
                }
            }
        case .vicuna:
            let system = turns.first { $0.role == .system }?.text ?? Self.vicunaSystem
            plain(system + " ")
            for (role, text) in turns where role != .system {
                switch role {
                case .user: plain("USER: \(text) ASSISTANT:")
                case .assistant: out.append(Piece(text: " \(text)", scored: true, eos: true))
                case .system: break
                }
            }
        }
        return out
    }
}
