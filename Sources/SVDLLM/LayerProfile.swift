import LinearAlgebraCore
import TransformerRuntime

/// The input statistics of one decoder layer's linears: one ``GramAccumulator`` per group of linears that read
/// the same input ({q, k, v}, {o}, {gate, up}, {down} for LLaMA).
public struct LayerProfile: Sendable {
    public let layer: Int
    /// The groups, in the order the block reported them.
    public private(set) var groups: [[LinearName]] = []
    public private(set) var statistics: [GramAccumulator] = []

    public init(layer: Int) { self.layer = layer }

    public init(layer: Int, groups: [[LinearName]], statistics: [GramAccumulator]) {
        precondition(groups.count == statistics.count)
        self.layer = layer
        self.groups = groups
        self.statistics = statistics
    }

    /// Index of the group holding `name`.
    public func groupIndex(of name: LinearName) -> Int? { groups.firstIndex { $0.contains(name) } }

    /// The statistics of `name`'s input.
    public func statistics(for name: LinearName) -> GramAccumulator? { groupIndex(of: name).map { statistics[$0] } }

    /// Adds one captured input (a window's X for one group).
    public mutating func add(_ input: LinearInput, parallelism: Parallelism) {
        if let g = groups.firstIndex(of: input.names) {
            statistics[g].add(input.x, parallelism: parallelism)
        } else {
            var acc = GramAccumulator(dimension: input.x.cols)
            acc.add(input.x, parallelism: parallelism)
            groups.append(input.names)
            statistics.append(acc)
        }
    }

    /// Adds another profile of the same layer (its groups matched by name; new groups appended).
    public mutating func merge(_ other: LayerProfile) {
        precondition(other.layer == layer, "LayerProfile.merge: layer \(other.layer) into layer \(layer)")
        for (names, stats) in zip(other.groups, other.statistics) {
            if let g = groups.firstIndex(of: names) {
                statistics[g].merge(stats)
            } else {
                groups.append(names)
                statistics.append(stats)
            }
        }
    }
}

/// Block `layer` of `model` on every window of `inputs` (each tokens × hidden), accumulating the profile of its
/// linear inputs. Returns the profile and, when `keepOutputs`, the block's outputs (the next layer's inputs).
///
/// Parallel over windows, not inside them: lane l of L = min(threads, windows) runs windows l, l + L, l + 2L, …
/// through the block with serial kernels into a profile of its own, and the lane profiles are merged in lane
/// order, G = G₀ + G₁ + … . A window then needs no barrier between its products (a kernel-parallel schedule
/// waits at every GEMM, SYRK and attention head, leaving cores idle). The sums are the same
/// up to rounding and deterministic for a given thread count; peak memory holds L sets of the block's Grams and
/// activations instead of one.
public func profileLayer(_ model: CausalLM, layer: Int, inputs: [Matrix<Float>], keepOutputs: Bool,
                         parallelism: Parallelism) -> (profile: LayerProfile, outputs: [Matrix<Float>]) {
    let lanes = Swift.max(1, Swift.min(parallelism.threads, inputs.count))
    var serial = model
    serial.parallelism = .serial
    var profiles = [LayerProfile](repeating: LayerProfile(layer: layer), count: lanes)
    var outputs = [Matrix<Float>](repeating: Matrix(rows: 0, cols: 0), count: keepOutputs ? inputs.count : 0)
    final class Box { var profile: LayerProfile; init(_ p: LayerProfile) { profile = p } }
    profiles.withUnsafeMutableBufferPointer { lane in
        outputs.withUnsafeMutableBufferPointer { out in
            parallelism.forEachTask(lanes) { l, _ in
                let box = Box(LayerProfile(layer: layer))
                for w in stride(from: l, to: inputs.count, by: lanes) {
                    let y = serial.forwardLayer(layer, inputs[w], capture: { box.profile.add($0, parallelism: .serial) })
                    if keepOutputs { out[w] = y }
                }
                lane[l] = box.profile
            }
        }
    }
    // Moved out of the array, so the merge adds in place instead of copying lane 0's Grams; each lane is dropped
    // once added.
    var merged = profiles.removeFirst()
    while !profiles.isEmpty { merged.merge(profiles.removeFirst()) }
    return (merged, outputs)
}

/// Block `layer` of `model` on every window of `inputs`, windows in parallel with serial kernels (as in
/// ``profileLayer``).
public func forwardLayerWindows(_ model: CausalLM, layer: Int, inputs: [Matrix<Float>],
                         parallelism: Parallelism) -> [Matrix<Float>] {
    var serial = model
    serial.parallelism = .serial
    var outputs = [Matrix<Float>](repeating: Matrix(rows: 0, cols: 0), count: inputs.count)
    outputs.withUnsafeMutableBufferPointer { out in
        parallelism.forEachTask(inputs.count) { w, _ in out[w] = serial.forwardLayer(layer, inputs[w]) }
    }
    return outputs
}
