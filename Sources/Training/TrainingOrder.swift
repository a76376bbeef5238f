/// In which phases the adapters are trained (`--order`). Each phase trains its adapters for the full schedule
/// (epochs or `--max-steps`, warm-up, decay, a fresh optimizer) and merges them into their matrices before the
/// next phase starts:
///
///     joint        one phase, every selected adapter
///     sequential   U factors first (V frozen), merge, then V factors (U frozen): SVD-LLM's sequential
///                  low-rank approximation; adapters on dense weights train in the first phase
///     v-first      the same with V first
public enum TrainingOrder: String, Sendable, Codable, CaseIterable {
    case joint, sequential
    case vFirst = "v-first"

    /// The selected keys split into phases; throws when a sequential order has no u or no v factor to train.
    public func phases(_ keys: [AdapterKey]) throws(TrainingError) -> [[AdapterKey]] {
        let u = keys.filter { $0.site == .u }, v = keys.filter { $0.site == .v }, w = keys.filter { $0.site == .weight }
        switch self {
        case .joint: return [keys]
        case .sequential, .vFirst:
            guard !u.isEmpty, !v.isEmpty else {
                throw .invalidArgument(name: "--order", reason: "\(rawValue) trains the u and the v factors in turn, "
                                       + "but the selected adapters sit on \(u.isEmpty ? "no u" : "no v") factor (use --order joint)")
            }
            return self == .sequential ? [(u + w).sorted(), v] : [(v + w).sorted(), u]
        }
    }
}
