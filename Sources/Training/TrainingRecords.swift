import Foundation

/// One optimizer step as logged.
public struct StepRecord: Sendable, Codable, Equatable {
    public var phase: Int
    /// 1-based within the phase.
    public var step: Int
    /// Σ NLL / scored positions of the step's batch.
    public var loss: Double
    public var learningRate: Double
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// Tokens through the forward and backward passes of this step.
    public var tokens: Int
    /// Wall time of the step.
    public var seconds: Double
}

/// A validation pass: mean NLL over every scored position of the validation set.
public struct ValidationRecord: Sendable, Codable, Equatable {
    public var phase: Int
    /// Steps of the phase done when it was measured (0: before the phase's first step).
    public var step: Int
    public var loss: Double
    public var tokens: Int
}

/// A phase of the run as it ended.
public struct PhaseReport: Sendable, Codable, Equatable {
    /// "u", "v", "weight", or several joined by "+".
    public var sites: String
    public var adapters: Int
    public var trainableParameters: Int
    public var steps: Int
}

/// What ``FineTuner/run(resume:progress:)`` returns (and `svdllm finetune --json` prints).
public struct FineTuneReport: Sendable, Codable, Equatable {
    public var options: FineTuneOptions
    public var target: String
    public var order: String
    public var trainExamples: Int
    public var validationExamples: Int
    public var phases: [PhaseReport]
    public var history: [StepRecord]
    public var validation: [ValidationRecord]
    /// Tokens through forward + backward, and the seconds they took (validation excluded), over the whole run
    /// including the part before a resume.
    public var trainTokens: Int
    public var trainSeconds: Double
    /// trainTokens / trainSeconds.
    public var tokensPerSecond: Double
    /// The phase and step the run resumed from, if it did.
    public var resumedFrom: [Int]?
}

/// Sorted-key JSON text of a value.
func jsonText<T: Encodable>(_ value: T) -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try! e.encode(value), as: UTF8.self)
}

/// FNV-1a (64 bits) of `bytes`, hex: the fingerprints of a run's options and data.
func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
    var h = seed
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
