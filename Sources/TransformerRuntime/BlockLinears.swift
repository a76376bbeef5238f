/// The linear layers of one decoder block, keyed by ``LinearName``: the one place that maps names to layers.
///
/// A block holds a subset of the names (LLaMA and Gemma 3 all seven; OPT no `gate`). Reading a name the block
/// lacks is a programming error; replacing one throws, as does a replacement whose in/out features differ.
public struct BlockLinears: Sendable {
    private var layers: [LinearName: Linear]
    /// Names the errors (e.g. "OPT").
    public let owner: String

    public init(_ layers: [LinearName: Linear], owner: String) {
        self.layers = layers
        self.owner = owner
    }

    /// The names present, in ``LinearName/allCases`` order.
    public var names: [LinearName] { LinearName.allCases.filter { layers[$0] != nil } }

    public subscript(name: LinearName) -> Linear {
        guard let l = layers[name] else { preconditionFailure("\(owner) has no \(name.rawValue)") }
        return l
    }

    /// Replaces a layer by one with the same in/out features (e.g. a low-rank factorization of it).
    public mutating func replace(_ name: LinearName, with new: Linear) throws(RuntimeError) {
        guard let old = layers[name] else {
            throw RuntimeError.invalidInput(argument: "name", reason: "\(owner) has no \(name.rawValue)")
        }
        guard old.inFeatures == new.inFeatures, old.outFeatures == new.outFeatures else {
            throw RuntimeError.shapeMismatch(file: "<model>", name: name.rawValue,
                                             expected: [old.outFeatures, old.inFeatures],
                                             got: [new.outFeatures, new.inFeatures])
        }
        layers[name] = new
    }
}
