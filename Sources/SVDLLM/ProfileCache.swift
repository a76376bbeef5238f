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
///
/// One process at a time writes a fingerprint's folder: a value made for an incomplete cache holds the folder's
/// ``FolderLock`` (`ROOT/<fingerprint>.lock`) until ``markComplete(layers:)`` or until the value is gone, and
/// another process making one for the same fingerprint meanwhile is refused at once, naming the holder's pid.
/// A complete cache is never written again, so any number of runs read it at once without a lock; runs of other
/// fingerprints under the same root never wait for each other.
public struct ProfileCache: Sendable {
    public let directory: URL
    /// Whether every layer was stored when this value was made.
    public let isComplete: Bool
    /// Held while this value may write the cache (nil for a complete one).
    private let lock: FolderLock?

    /// Opens (creating it if needed) the cache of `fingerprint` under `root`.
    ///
    /// - Throws: ``CompressionError/io(path:reason:)`` when the folder cannot be created;
    ///   ``FolderLockError/held(folder:lockFile:pid:since:)`` when the cache is incomplete and another process
    ///   (or another value in this one) is writing it; ``FolderLockError/io(file:reason:)`` when it cannot be
    ///   locked.
    public init(root: URL, fingerprint: RunFingerprint) throws {
        let directory = root.appendingPathComponent(fingerprint.hex)
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CompressionError.io(path: directory.path, reason: "cannot create the profile cache: \(error.localizedDescription)")
        }
        let marker = directory.appendingPathComponent("complete.json").path
        guard !FileManager.default.fileExists(atPath: marker) else {
            isComplete = true
            lock = nil
            return
        }
        let lock = try FolderLock(guarding: directory)
        // Another run may have completed it between the look and the lock.
        isComplete = FileManager.default.fileExists(atPath: marker)
        if isComplete { lock.release() }
        self.lock = isComplete ? nil : lock
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

    /// Marks every layer stored. The cache is then read-only, and its lock is released for other runs.
    public func markComplete(layers: Int) throws(CompressionError) {
        try writeJSON(["layers": layers], to: directory.appendingPathComponent("complete.json"))
        lock?.release()
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
