import Tokenizers

/// The update-data sampler of the official SVD-LLM code (`get_loaders`, GPTQ's loader: `get_ptb` and
/// `get_wikitext2` in its `utils/data_utils.py`), seeded like CPython's `random.seed(seed)`:
///
///     ids = tokenizer(text)                      (the whole text at once)
///     for each sample: i = randint(0, len(ids) − seqlen − 1);  window = ids[i ..< i + seqlen]
///
/// The official step 2 (whitening + update) fits the update on these windows (`--updating_nsamples`, 16), while
/// the whitening profile uses ``CalibrationSampler``'s windows: the offsets are drawn over tokens here, over
/// characters there, so the two sets differ even for the same seed. For a tokenizer that puts a BOS token first
/// (Gemma), every window starts with it and holds the `seqlen − 1` tokens after offset i.
public struct TokenWindowSampler: Sendable {
    public var sampleCount: Int
    public var sequenceLength: Int
    public var seed: UInt64

    public init(sampleCount: Int = 16, sequenceLength: Int = 512, seed: UInt64 = 3) {
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
    ///   ``CompressionError/updateTextTooShort(tokens:needed:)`` when the text has too few tokens for a window.
    public func windows(text: String, tokenizer: Tokenizer) throws(CompressionError) -> [[Int]] {
        try validate()
        let ids = tokenizer.encode(text, addSpecialTokens: true, parseSpecialTokens: false)   // as `tokenizer(text)`
        let bos = tokenizer.encode("", addSpecialTokens: true, parseSpecialTokens: false).first
        guard ids.count - sequenceLength - 1 >= 0 else {
            throw .updateTextTooShort(tokens: ids.count, needed: sequenceLength + 1)
        }
        var random = PythonRandom(seed: seed)
        return (0..<sampleCount).map { _ in
            let i = random.randomInt(in: 0...(ids.count - sequenceLength - 1))
            if let bos { return [bos] + ids[i..<(i + sequenceLength - 1)] }
            return Array(ids[i..<(i + sequenceLength)])
        }
    }
}
