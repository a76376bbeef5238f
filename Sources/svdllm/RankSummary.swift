import SVDLLMKit

/// One line per linear kind of a compressed run's ranks, for the `compress` summary of a non-uniform allocation:
/// `q_proj: rank 37–412 (mean 190.5), 2 dense`.
func rankSummary(_ report: CompressionReport) -> [String] {
    var byName: [String: [Int]] = [:]
    var order: [String] = []
    for m in report.matrices {
        if byName[m.name] == nil { order.append(m.name) }
        byName[m.name, default: []].append(m.rank)
    }
    var dense: [String: Int] = [:]
    for key in report.denseMatrices ?? [] {
        if byName[key.name] == nil && dense[key.name] == nil { order.append(key.name) }
        dense[key.name, default: 0] += 1
    }
    return order.map { name in
        let ranks = byName[name] ?? []
        let low = ranks.isEmpty ? "" : String(format: "rank %d–%d (mean %.1f)", ranks.min()!, ranks.max()!,
                                              Double(ranks.reduce(0, +)) / Double(ranks.count))
        let d = dense[name].map { "\($0) dense" }
        return "\(name): " + [low.isEmpty ? nil : low, d].compactMap { $0 }.joined(separator: ", ")
    }
}
