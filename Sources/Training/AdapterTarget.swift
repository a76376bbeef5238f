import Foundation
import TransformerRuntime

/// Which matrices get adapters (`--target`): a comma-separated list of
///
///     u, v        the factors of every low-rank linear (SVD-LLM's `…_u_proj`, `…_v_proj`)
///     all         every matrix: the weight of a dense linear, both factors of a low-rank one
///     q_proj, …   only these linears (any of q_proj k_proj v_proj o_proj gate_proj up_proj down_proj)
///
/// Linear names restrict the sites given (all sites when none is). The default is `u,v` for a model with
/// low-rank linears and `all` for a dense one.
public struct AdapterTarget: Sendable, Equatable, Codable, CustomStringConvertible {
    public var sites: Set<AdapterSite>
    /// nil = every linear.
    public var linears: Set<LinearName>?
    /// As given on the command line.
    public var description: String

    public init(parsing text: String) throws(TrainingError) {
        var sites = Set<AdapterSite>(), linears = Set<LinearName>()
        for token in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch token {
            case "u": sites.insert(.u)
            case "v": sites.insert(.v)
            case "all": sites.formUnion(AdapterSite.allCases)
            default:
                guard let name = LinearName(rawValue: token) else {
                    throw .invalidArgument(name: "--target", reason: "'\(token)' is not u, v, all or a linear name "
                                           + "(\(LinearName.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                linears.insert(name)
            }
        }
        guard !sites.isEmpty || !linears.isEmpty else { throw .invalidArgument(name: "--target", reason: "empty") }
        self.sites = sites.isEmpty ? Set(AdapterSite.allCases) : sites
        self.linears = linears.isEmpty ? nil : linears
        description = text
    }

    /// The default for a model: u,v when any linear is low-rank, else all.
    public static func defaultTarget(hasLowRank: Bool) -> AdapterTarget {
        try! AdapterTarget(parsing: hasLowRank ? "u,v" : "all")
    }

    public func matches(_ key: AdapterKey) -> Bool {
        sites.contains(key.site) && (linears?.contains(key.name) ?? true)
    }

    /// The sites of `available` this target selects; throws ``TrainingError/noMatchingTargets(target:available:)``
    /// when none.
    public func select(from available: [AdapterKey]) throws(TrainingError) -> [AdapterKey] {
        let chosen = available.filter(matches)
        guard !chosen.isEmpty else {
            let kinds = Set(available.map { $0.site == .weight ? "dense \($0.name.rawValue)" : "\($0.site.rawValue) factor of \($0.name.rawValue)" })
            throw .noMatchingTargets(target: description, available: kinds.sorted().joined(separator: ", "))
        }
        return chosen
    }
}
