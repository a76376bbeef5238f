import Tokenizers

/// The SVD-LLM calibration sampler (`get_calib_train_data` of the official code), seeded like CPython's
/// `random.seed(seed)`:
///
///     for each sample: i = randint(0, len(text) − seqlen − 1);  ids = tokenizer(text[i : i + 10·seqlen])
///                      keep ids[0..<seqlen]   (a draw with fewer than seqlen ids is skipped and drawn again)
///
/// Offsets are in Unicode scalars (Python's code points), and the tokenizer adds its special tokens as a
/// Hugging Face tokenizer call does (BOS first for Gemma, nothing for SmolLM2). The text is any UTF-8 text; the
/// paper uses PTB train in its "\n\n"-joined form.
public struct CalibrationSampler: Sendable {
    public var sampleCount: Int
    public var sequenceLength: Int
    public var seed: UInt64

    public init(sampleCount: Int = 64, sequenceLength: Int = 512, seed: UInt64 = 3) {
        self.sampleCount = sampleCount
        self.sequenceLength = sequenceLength
        self.seed = seed
    }

    /// Throws ``CompressionError/invalidArgument(name:reason:)`` (naming the field) unless `sampleCount` ≥ 1 and
    /// `sequenceLength` ≥ 2.
    public func validate() throws(CompressionError) {
        guard sampleCount >= 1 else { throw .invalidArgument(name: "sampleCount", reason: "must be ≥ 1, got \(sampleCount)") }
        guard sequenceLength >= 2 else {
            throw .invalidArgument(name: "sequenceLength", reason: "must be ≥ 2, got \(sequenceLength)")
        }
    }

    /// `sampleCount` windows of exactly `sequenceLength` token ids.
    /// - Throws: ``CompressionError/invalidArgument(name:reason:)`` for invalid fields (``validate()``) and
    ///   ``CompressionError/calibrationTooShort(characters:needed:)`` when the text cannot yield a window.
    public func windows(text: String, tokenizer: Tokenizer) throws(CompressionError) -> [[Int]] {
        try validate()
        let scalars = Array(text.unicodeScalars)
        guard scalars.count - sequenceLength - 1 >= 0 else {
            throw .calibrationTooShort(characters: scalars.count, needed: sequenceLength + 1)
        }
        var random = PythonRandom(seed: seed)
        var out: [[Int]] = []
        out.reserveCapacity(sampleCount)
        var failures = 0
        while out.count < sampleCount {
            let i = random.randomInt(in: 0...(scalars.count - sequenceLength - 1))
            let j = Swift.min(i + sequenceLength * 10, scalars.count)
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[i..<j])
            let ids = tokenizer.encode(String(piece), addSpecialTokens: true, parseSpecialTokens: false)
            if ids.count >= sequenceLength {
                out.append(Array(ids.prefix(sequenceLength)))
            } else {
                failures += 1
                if failures > 100 * sampleCount {
                    throw .calibrationTooShort(characters: scalars.count, needed: sequenceLength * 10)
                }
            }
        }
        return out
    }
}
