import Foundation
import LinearAlgebraCore

/// Picks the next token from a row of logits: greedy (argmax) or seeded random sampling with temperature,
/// top-k and top-p (nucleus) filtering, in that order:
///
///     p ∝ exp((zᵢ − max z) / T)  over the k largest zᵢ, then the smallest prefix (by decreasing p) whose mass ≥ top-p
public struct Sampler: Sendable {
    /// 0 = greedy.
    public var temperature: Float
    /// Keep the k most likely tokens (nil = all).
    public var topK: Int?
    /// Keep the smallest most-likely set with probability mass ≥ topP (nil = all).
    public var topP: Float?
    private var generator: SeededGenerator

    /// Always the most likely token (ties: the lowest id, as torch.argmax).
    public static var greedy: Sampler { Sampler(temperature: 0, seed: 0) }

    public init(temperature: Float, topK: Int? = nil, topP: Float? = nil, seed: UInt64) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        generator = SeededGenerator(seed: seed)
    }

    /// Whether ``sample(_:)`` is the argmax.
    public var isGreedy: Bool { temperature <= 0 || topK == 1 }

    /// The index of the first maximum.
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }

    /// The next token.
    public mutating func sample(_ logits: [Float]) -> Int {
        if temperature <= 0 || topK == 1 { return Sampler.argmax(logits) }
        var order = Array(logits.indices)
        if let k = topK, k < logits.count {
            order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            order.removeSubrange(k...)
        } else if topP != nil {
            order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        }
        let m = order.reduce(-Float.infinity) { Swift.max($0, logits[$1]) }
        var p = order.map { Double(Foundation.exp((logits[$0] - m) / temperature)) }
        let total = p.reduce(0, +)
        p = p.map { $0 / total }
        if let top = topP, top < 1 {
            var mass = 0.0, keep = 0
            while keep < p.count, mass < Double(top) {
                mass += p[keep]
                keep += 1
            }
            order.removeSubrange(keep...)
            p.removeSubrange(keep...)
            p = p.map { $0 / mass }
        }
        var u = generator.nextUniform()
        for (i, pi) in p.enumerated() {
            u -= pi
            if u < 0 { return order[i] }
        }
        return order[order.count - 1]
    }
}
