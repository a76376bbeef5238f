/// One training example as token ids and, for each position t, the id of token t + 1 it is trained to predict
/// (−1: not scored, e.g. the prompt of an instruction when inputs are not trained on, or the last position).
public struct TrainingSequence: Sendable, Equatable, Codable {
    public var tokens: [Int]
    public var targets: [Int]

    public init(tokens: [Int], targets: [Int]) {
        precondition(tokens.count == targets.count)
        self.tokens = tokens
        self.targets = targets
    }

    /// Every next token scored (plain text).
    public init(tokens: [Int]) {
        self.init(tokens: tokens, labels: tokens)
    }

    /// From Hugging Face style labels (one per token, −100 or any negative = ignored), shifted by one as
    /// transformers' causal-LM loss does: position t predicts labels[t + 1].
    public init(tokens: [Int], labels: [Int]) {
        precondition(tokens.count == labels.count)
        var t = Array(labels.dropFirst()).map { $0 < 0 ? -1 : $0 }
        t.append(-1)
        self.init(tokens: tokens, targets: t)
    }

    /// Positions with a target.
    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Sequences laid end to end (``SequenceLayout``) for one forward/backward pass.
public struct MicroBatch: Sendable {
    public var tokens: [Int]
    public var targets: [Int]
    public var layout: SequenceLayout

    public init(_ sequences: [TrainingSequence]) {
        tokens = sequences.flatMap(\.tokens)
        targets = sequences.flatMap(\.targets)
        layout = SequenceLayout(lengths: sequences.map(\.tokens.count))
    }

    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}
