/// How GPTQ packs b-bit codes into 32-bit words along one axis (AutoGPTQ / GPTQ-for-LLaMa `pack`): a run of codes
/// v₀, v₁, … is a little-endian bit stream cut into chunks of C codes held by b·C/32 words,
///
///     code k of chunk j  =  bits b·k … b·k + b − 1 of the chunk's words read as one b·C-bit integer
///                        (word j·(b·C/32) + ⌊b·k/32⌋, from bit b·k mod 32, low bits first)
///
/// with C = 32/b codes in one word for b ∈ {2, 4, 8} (no code crosses a word) and C = 32 codes in three words for
/// b = 3: codes 0…9 in word 0, code 10 in bits 30–31 of word 0 and bit 0 of word 1, codes 11…20 in word 1 from bit
/// 1, code 21 in bit 31 of word 1 and bits 0–1 of word 2, codes 22…31 in word 2 from bit 2. A run of n codes takes
/// ⌈n/C⌉ chunks; codes past n are zero.
public enum GPTQWordPacking {
    /// The widths with a packing: 2, 3, 4 and 8 bits.
    public static let supportedBits: Set<Int> = [2, 3, 4, 8]

    /// C, the codes per chunk: 32 for 3 bits, else 32/b.
    public static func codesPerChunk(bits: Int) -> Int { bits == 3 ? 32 : 32 / bits }

    /// b·C/32, the words per chunk: 3 for 3 bits, else 1.
    public static func wordsPerChunk(bits: Int) -> Int { bits == 3 ? 3 : 1 }

    /// Words that hold `count` codes: ⌈count/C⌉ · b·C/32.
    public static func wordCount(codes count: Int, bits: Int) -> Int {
        (count + codesPerChunk(bits: bits) - 1) / codesPerChunk(bits: bits) * wordsPerChunk(bits: bits)
    }

    /// Where code k of a run starts: the word index (from the run's first word) and the bit within it.
    @inline(__always) public static func position(ofCode k: Int, bits: Int) -> (word: Int, shift: Int) {
        let c = codesPerChunk(bits: bits), bit = bits * (k % c)
        return ((k / c) * wordsPerChunk(bits: bits) + bit / 32, bit % 32)
    }

    /// Code k of the run whose word i is `word(i)`.
    @inline(__always) public static func code(_ k: Int, bits: Int, word: (Int) -> UInt32) -> UInt8 {
        let (w, s) = position(ofCode: k, bits: bits)
        var v = word(w) >> UInt32(s)
        if s + bits > 32 { v |= word(w + 1) << UInt32(32 - s) }
        return UInt8(v & UInt32((1 << bits) - 1))
    }

    /// ORs code k (below 2^b) into the run whose word i is `words[base + i·stride]`.
    @inline(__always) public static func put(_ value: UInt8, code k: Int, bits: Int, into words: inout [UInt32],
                                             base: Int, stride: Int) {
        let (w, s) = position(ofCode: k, bits: bits)
        let v = UInt32(value) & UInt32((1 << bits) - 1)
        words[base + w * stride] |= v << UInt32(s)
        if s + bits > 32 { words[base + (w + 1) * stride] |= v >> UInt32(32 - s) }
    }
}
