import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// The input statistics of one decoder layer's linears: one ``GramAccumulator`` per group of linears that read
/// the same input ({q, k, v}, {o}, {gate, up}, {down} for LLaMA).
public struct LayerProfile: Sendable {
    public let layer: Int
    /// The groups, in the order the block reported them.
    public private(set) var groups: [[LinearName]] = []
    public private(set) var statistics: [GramAccumulator] = []
    /// How the Grams of groups this profile adds are summed (``GramAccumulator/accumulation``).
    public var accumulation: SYRKAccumulation = .double

    public init(layer: Int, accumulation: SYRKAccumulation = .double) {
        self.layer = layer
        self.accumulation = accumulation
    }

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
            var acc = GramAccumulator(dimension: input.x.cols, accumulation: accumulation)
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
/// linear inputs. Returns the profile and, when `keepOutputs`, the block's outputs (the next layer's inputs),
/// stored where `inputs` are (or at `outputLocation`).
///
/// Parallel over windows, not inside them: lane l of L = min(threads, windows) runs windows l, l + L, l + 2L, …
/// through the block with serial kernels into a profile of its own, and the lane profiles are merged in lane
/// order, G = G₀ + G₁ + … . A window then needs no barrier between its products (a kernel-parallel schedule
/// waits at every GEMM, SYRK and attention head, leaving cores idle). The sums are the same
/// up to rounding and deterministic for a given thread count; peak memory holds L sets of the block's Grams and
/// activations instead of one. `accumulation`: how each window's XᵀX is summed into the Grams
/// (``GramAccumulator/accumulation``).
public func profileLayer(_ model: CausalLM, layer: Int, inputs: HiddenStates, keepOutputs: Bool,
                         parallelism: Parallelism, outputLocation: HiddenStates.Location? = nil,
                         accumulation: SYRKAccumulation = .double) throws
    -> (profile: LayerProfile, outputs: HiddenStates) {
    let lanes = Swift.max(1, Swift.min(parallelism.threads, inputs.count))
    var serial = model
    serial.parallelism = .serial
    var profiles = [LayerProfile](repeating: LayerProfile(layer: layer), count: lanes)
    let outputs = keepOutputs
        ? try HiddenStates.Builder(count: inputs.count, rows: inputs.rows, cols: inputs.cols,
                                   location: outputLocation ?? inputs.location) : nil
    final class Box { var profile: LayerProfile; init(_ p: LayerProfile) { profile = p } }
    profiles.withUnsafeMutableBufferPointer { lane in
        parallelism.forEachTask(lanes) { l, _ in
            let box = Box(LayerProfile(layer: layer, accumulation: accumulation))
            for w in stride(from: l, to: inputs.count, by: lanes) {
                let y = serial.forwardLayer(layer, inputs[w], capture: { box.profile.add($0, parallelism: .serial) })
                outputs?.put(w, y)
            }
            lane[l] = box.profile
        }
    }
    // Moved out of the array, so the merge adds in place instead of copying lane 0's Grams; each lane is dropped
    // once added.
    var merged = profiles.removeFirst()
    while !profiles.isEmpty { merged.merge(profiles.removeFirst()) }
    return (merged, try outputs?.finish() ?? .empty)
}

/// ``profileLayer(_:layer:inputs:keepOutputs:parallelism:outputLocation:accumulation:)`` on windows held in memory.
public func profileLayer(_ model: CausalLM, layer: Int, inputs: [Matrix<Float>], keepOutputs: Bool,
                         parallelism: Parallelism, accumulation: SYRKAccumulation = .double)
    -> (profile: LayerProfile, outputs: [Matrix<Float>]) {
    let (profile, outputs) = try! profileLayer(model, layer: layer, inputs: HiddenStates(windows: inputs),
                                               keepOutputs: keepOutputs, parallelism: parallelism,
                                               accumulation: accumulation)
    return (profile, outputs.prefix(outputs.count))
}

/// Block `layer` of `model` on every window of `inputs`, windows in parallel with serial kernels (as in
/// ``profileLayer(_:layer:inputs:keepOutputs:parallelism:outputLocation:accumulation:)``), stored where `inputs` are.
public func forwardLayerWindows(_ model: CausalLM, layer: Int, inputs: HiddenStates,
                                parallelism: Parallelism) throws -> HiddenStates {
    var serial = model
    serial.parallelism = .serial
    let model = serial
    return try HiddenStates.make(count: inputs.count, rows: inputs.rows, cols: inputs.cols, location: inputs.location,
                                 parallelism: parallelism) { w in model.forwardLayer(layer, inputs[w]) }
}

/// ``forwardLayerWindows(_:layer:inputs:parallelism:)`` on windows held in memory.
public func forwardLayerWindows(_ model: CausalLM, layer: Int, inputs: [Matrix<Float>],
                                parallelism: Parallelism) -> [Matrix<Float>] {
    let out = try! forwardLayerWindows(model, layer: layer, inputs: HiddenStates(windows: inputs), parallelism: parallelism)
    return out.prefix(out.count)
}
