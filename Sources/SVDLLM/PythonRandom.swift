/// CPython's `random` module generator (MT19937 seeded by `init_by_array`), reproduced bit for bit so that the
/// calibration windows are the ones the official SVD-LLM code draws with `random.seed(seed)`.
///
/// Only what the paper's sampler uses: `seed(n)` for n ≥ 0, `getrandbits(k)` and `randint(a, b)`
/// (= a + _randbelow(b − a + 1), rejection sampling on k = bit_length(b − a + 1) bits).
public struct PythonRandom: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `random.seed(seed)` for a non-negative integer seed.
    public init(seed: UInt64) {
        // CPython splits |seed| into 32-bit words, least significant first (one word 0 for seed 0).
        var key: [UInt32] = []
        var s = seed
        repeat {
            key.append(UInt32(truncatingIfNeeded: s))
            s >>= 32
        } while s != 0
        initByArray(key)
    }

    private mutating func initGenrand(_ s: UInt32) {
        state[0] = s
        for i in 1..<624 {
            let prev = state[i - 1]
            state[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19_650_218)
        var i = 1, j = 0
        for _ in 0..<Swift.max(624, key.count) {
            let prev = state[i - 1]
            state[i] = (state[i] ^ ((prev ^ (prev >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            let prev = state[i - 1]
            state[i] = (state[i] ^ ((prev ^ (prev >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    /// The next tempered 32-bit output (`genrand_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for k in 0..<624 {
            let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7FFF_FFFF)
            state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// `random.getrandbits(k)` for 0 ≤ k ≤ 64: whole 32-bit words, least significant first; the last word
    /// keeps its top bits.
    public mutating func randomBits(_ k: Int) -> UInt64 {
        precondition((0...64).contains(k), "randomBits: k = \(k) outside 0...64")
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> (32 - UInt32(k))) }
        let low = UInt64(nextUInt32())
        let high = UInt64(nextUInt32() >> (64 - UInt32(k)))
        return low | (high << 32)
    }

    /// `random.randint(a, b)`: uniform on a...b by rejection on bit_length(b − a + 1) bits.
    public mutating func randomInt(in range: ClosedRange<Int>) -> Int {
        let n = UInt64(range.upperBound - range.lowerBound) + 1
        let k = 64 - n.leadingZeroBitCount
        var r = randomBits(k)
        while r >= n { r = randomBits(k) }
        return range.lowerBound + Int(r)
    }
}
