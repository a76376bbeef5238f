import Foundation
import Formats
import LinearAlgebraCore
import TransformerRuntime

/// Dense-model input statistics saved per layer, so that several ratios (and methods) reuse one profiling pass.
///
/// Layout: `ROOT/<fingerprint>/layer-007.json` (groups and token counts), `layer-007-g0.gram.npy` (float64
/// Σ XᵀX), `layer-007-g0.abs.npy` (float64 Σ|x|), …, and `complete.json` once every layer is in. The
/// fingerprint covers the model file and the calibration token ids (so text, tokenizer, nsamples, seqlen and
/// seed); a cache without `complete.json` (an interrupted profiling pass) is ignored and rewritten.
public struct ProfileCache: Sendable {
    public let directory: URL
    /// Whether every layer was stored when this value was made.
    public let isComplete: Bool

    public init(root: URL, fingerprint: RunFingerprint) throws(CompressionError) {
        directory = root.appendingPathComponent(fingerprint.hex)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory.path, reason: "cannot create the profile cache: \(error.localizedDescription)")
        }
        isComplete = FileManager.default.fileExists(atPath: directory.appendingPathComponent("complete.json").path)
    }

    private struct LayerIndex: Codable {
        var layer: Int
        var groups: [[String]]
        var tokens: [Int]
    }

    private func file(_ layer: Int, _ suffix: String) -> URL {
        directory.appendingPathComponent(String(format: "layer-%03d%@", layer, suffix))
    }

    public func store(_ profile: LayerProfile) throws(CompressionError) {
        for (g, stats) in profile.statistics.enumerated() {
            do {
                try NPY.write(stats.gram, to: file(profile.layer, "-g\(g).gram.npy"))
                try NPY.write(vector: stats.absoluteSums, to: file(profile.layer, "-g\(g).abs.npy"))
            } catch {
                throw .io(path: directory.path, reason: "cannot write the profile of layer \(profile.layer): \(error)")
            }
        }
        let index = LayerIndex(layer: profile.layer, groups: profile.groups.map { $0.map(\.rawValue) },
                               tokens: profile.statistics.map(\.tokens))
        try writeJSON(index, to: file(profile.layer, ".json"))
    }

    public func load(layer: Int) throws(CompressionError) -> LayerProfile? {
        let url = file(layer, ".json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let index: LayerIndex
        do { index = try JSONDecoder().decode(LayerIndex.self, from: data) } catch {
            throw .mismatch(path: url.path, reason: "unreadable profile index: \(error)")
        }
        var groups: [[LinearName]] = []
        var stats: [GramAccumulator] = []
        for (g, names) in index.groups.enumerated() {
            let parsed = names.compactMap(LinearName.init(rawValue:))
            guard parsed.count == names.count, g < index.tokens.count else {
                throw .mismatch(path: url.path, reason: "unknown linear names \(names)")
            }
            do {
                let gram = try NPY.read(file(layer, "-g\(g).gram.npy"), as: Double.self)
                let abs = try NPY.read(file(layer, "-g\(g).abs.npy"), as: Double.self).elements
                guard gram.rows == gram.cols, abs.count == gram.rows else {
                    throw CompressionError.mismatch(path: url.path, reason: "group \(g) has inconsistent shapes")
                }
                stats.append(GramAccumulator(gram: gram, absoluteSums: abs, tokens: index.tokens[g]))
            } catch let e as CompressionError {
                throw e
            } catch {
                throw .mismatch(path: url.path, reason: "cannot read group \(g): \(error)")
            }
            groups.append(parsed)
        }
        return LayerProfile(layer: layer, groups: groups, statistics: stats)
    }

    public func markComplete(layers: Int) throws(CompressionError) {
        try writeJSON(["layers": layers], to: directory.appendingPathComponent("complete.json"))
    }
}

/// Encodes `value` as JSON into `url` atomically (temporary file, then rename).
func writeJSON<T: Encodable>(_ value: T, to url: URL) throws(CompressionError) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    do {
        try encoder.encode(value).write(to: url, options: .atomic)
    } catch {
        throw .io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
    }
}
