import LinearAlgebraCore

/// Every random choice of a fine-tuning run derives from its one `--seed`, per purpose and index, so that a
/// resumed run and a peer (Scripts/lora_peer.py) draw the same:
///
///     derive(seed, purpose, index) = mix(mix(seed ⊕ purpose) ⊕ index)        mix = SplitMix64's finalizer
///
/// purposes: 1 the validation split, 2 the order of epoch `index`, 3 the A matrices of phase `index`.
/// Dropout masks hash their own counter (``DropoutMask``).
public enum TrainingSeeds {
    public static let split: UInt64 = 1, order: UInt64 = 2, adapters: UInt64 = 3

    public static func derive(_ seed: UInt64, purpose: UInt64, index: Int = 0) -> UInt64 {
        DropoutMask.mix(DropoutMask.mix(seed ^ purpose) ^ UInt64(truncatingIfNeeded: index))
    }

    /// A permutation of `items` by Fisher–Yates from the top: for i = n−1 … 1, swap i with j = next() mod (i + 1).
    public static func shuffled<E>(_ items: [E], seed: UInt64) -> [E] {
        var a = items
        var g = SeededGenerator(seed: seed)
        var i = a.count - 1
        while i > 0 {
            let j = Int(g.next() % UInt64(i + 1))
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }
}
