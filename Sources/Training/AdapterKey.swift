import TransformerRuntime

/// One adapter's place in a model: block, linear and the matrix of that linear (``AdapterSite``).
/// Ordered by layer, then ``LinearName`` order, then site: the order adapters are created, initialized
/// (A drawn from one generator in this order) and saved in.
public struct AdapterKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var layer: Int
    public var name: LinearName
    public var site: AdapterSite

    public init(layer: Int, name: LinearName, site: AdapterSite) {
        self.layer = layer
        self.name = name
        self.site = site
    }

    public static func < (a: AdapterKey, b: AdapterKey) -> Bool {
        (a.layer, LinearName.allCases.firstIndex(of: a.name)!, a.site.index)
            < (b.layer, LinearName.allCases.firstIndex(of: b.name)!, b.site.index)
    }

    /// The Hugging Face module the adapter sits on (`model.layers.3.self_attn.q_u_proj` for the u factor of a
    /// compressed q, `…q_proj` for a dense one): the name peft gives it, and the stem of its tensors in a
    /// training checkpoint.
    public var module: String {
        let dense = LowRankTensorNames.module(layer: layer, name: name, opt: false)
        switch site {
        case .weight: return dense
        case .u: return LowRankTensorNames.factors(ofModule: dense).u
        case .v: return LowRankTensorNames.factors(ofModule: dense).v
        }
    }

    public var description: String { module }
}
