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
}

/// Block `layer` of `model` on every window of `inputs` (each tokens × hidden), accumulating the profile of its
/// linear inputs. Returns the profile and, when `keepOutputs`, the block's outputs (the next layer's inputs).
public func profileLayer(_ model: CausalLM, layer: Int, inputs: [Matrix<Float>], keepOutputs: Bool,
                         parallelism: Parallelism) -> (profile: LayerProfile, outputs: [Matrix<Float>]) {
    final class Box { var profile: LayerProfile; init(_ p: LayerProfile) { profile = p } }
    let box = Box(LayerProfile(layer: layer))
    var outputs: [Matrix<Float>] = []
    outputs.reserveCapacity(keepOutputs ? inputs.count : 0)
    for h in inputs {
        let y = model.forwardLayer(layer, h, capture: { box.profile.add($0, parallelism: parallelism) })
        if keepOutputs { outputs.append(y) }
    }
    return (box.profile, outputs)
}
