import Foundation
import Formats
import GEMM
import LinearAlgebraCore
import TransformerRuntime

/// Finished layers of a run, saved as they complete so an interrupted run resumes from the last one with
/// identical output (the factors are stored as the exact Float values the model holds).
///
/// Layout: `DIR/run.json` (the run's fingerprint), `DIR/layer-007.safetensors` (`q_proj.u`, `q_proj.v`,
/// `q_proj.bias`, …, float32), `DIR/layer-007.json` (the layer's matrix reports). The safetensors file is written
/// atomically and the JSON after it, so a layer counts as finished only when both are there.
public struct LayerCheckpoint: Sendable {
    public let directory: URL

    private struct RunIdentity: Codable, Equatable { var fingerprint: String; var description: String }

    /// Opens (resume) or creates the folder. Without `resume`, an existing folder holding an interrupted run is
    /// an error rather than silently discarded; with `resume`, it must belong to the same run. A folder holding
    /// finished layers without a readable run.json is an error either way.
    public init(directory: URL, fingerprint: RunFingerprint, description: String, resume: Bool) throws(CompressionError) {
        self.directory = directory
        let fm = FileManager.default
        let runFile = directory.appendingPathComponent("run.json")
        let identity = RunIdentity(fingerprint: fingerprint.hex, description: description)
        if fm.fileExists(atPath: directory.path) {
            if let data = fm.contents(atPath: runFile.path),
               let existing = try? JSONDecoder().decode(RunIdentity.self, from: data) {
                guard resume else {
                    throw .mismatch(path: directory.path, reason: "holds an interrupted run (\(existing.description)); "
                                    + "open it with `resume` to continue it, or remove the folder")
                }
                guard existing == identity else {
                    throw .mismatch(path: directory.path, reason: "belongs to another run (\(existing.description)); "
                                    + "this one is \(description)")
                }
                return
            }
            // No run.json of any run: only a folder without finished layers may be taken (a removal cut short
            // leaves none); saved layers of an unknown run are never adopted.
            let finished = LayerCheckpoint(existing: directory).finishedLayers()
            if let layer = finished.min() {
                throw .mismatch(path: directory.path, reason: "holds \(finished.count) finished layers (layer \(layer), …) but no "
                                + "readable run.json, so they may belong to another run; remove the folder")
            }
        }
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .io(path: directory.path, reason: "cannot create: \(error.localizedDescription)")
        }
        try writeJSON(identity, to: runFile)
    }

    private func file(_ layer: Int, _ ext: String) -> URL {
        directory.appendingPathComponent(Self.fileName(layer: layer, ext))
    }

    /// `layer-NNN.ext`: the layer number in decimal, zero-padded to three digits (any width for larger numbers).
    static func fileName(layer: Int, _ ext: String) -> String {
        let digits = String(layer)
        return "layer-" + String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits + "." + ext
    }

    /// Saves a finished layer.
    public func save(layer: Int, linears: [(LinearName, Linear)], reports: [MatrixReport]) throws(CompressionError) {
        var writer = SafeTensorsWriter(metadata: ["format": "svdllm-layer"])
        do {
            for (name, linear) in linears {
                guard case let .lowRank(u, v, bias) = linear else { continue }
                try writer.add("\(name.rawValue).u", u)
                try writer.add("\(name.rawValue).v", v)
                if let bias { try writer.add("\(name.rawValue).bias", Matrix(rows: 1, cols: bias.count, elements: bias), shape: [bias.count]) }
            }
            try writer.write(to: file(layer, "safetensors"))
        } catch {
            throw .io(path: file(layer, "safetensors").path, reason: "cannot save layer \(layer): \(error)")
        }
        try writeJSON(reports, to: file(layer, "json"))
    }

    /// The saved layer, if it finished; its linears are checked against the block's shapes. `mapped`: the factors
    /// are read in place from the mapped file (``SafeTensorsRowDecoder``: memory holds only the pages a product
    /// touches) instead of copied into memory.
    public func load(layer: Int, block: any DecoderBlock, mapped: Bool = false) throws(CompressionError)
        -> (linears: [(LinearName, Linear)], reports: [MatrixReport])? {
        let json = file(layer, "json"), tensors = file(layer, "safetensors")
        guard let data = FileManager.default.contents(atPath: json.path),
              FileManager.default.fileExists(atPath: tensors.path) else { return nil }
        do {
            let reports = try JSONDecoder().decode([MatrixReport].self, from: data)
            let f = try SafeTensorsFile(url: tensors)
            var linears: [(LinearName, Linear)] = []
            let compressed = Set(reports.map(\.name))  // a searched allocation may leave matrices dense
            for name in block.linearNames where compressed.contains(name.rawValue) {
                let dense = block.linear(name)
                let u = try SafeTensorsRowDecoder(file: f, name: "\(name.rawValue).u")
                let v = try SafeTensorsRowDecoder(file: f, name: "\(name.rawValue).v")
                guard u.rows == dense.outFeatures, v.cols == dense.inFeatures, u.cols == v.rows, v.rows >= 1 else {
                    throw CompressionError.mismatch(path: tensors.path, reason: "\(name.rawValue) factors \(u.rows)×\(u.cols) and "
                                                    + "\(v.rows)×\(v.cols) do not fit the model's \(dense.outFeatures)×\(dense.inFeatures)")
                }
                let bias = f.info("\(name.rawValue).bias") != nil ? try f.tensor("\(name.rawValue).bias").elements : nil
                guard (bias?.count ?? dense.outFeatures) == dense.outFeatures else {
                    throw CompressionError.mismatch(path: tensors.path, reason: "\(name.rawValue).bias has \(bias?.count ?? 0) values, "
                                                    + "the model's has \(dense.outFeatures)")
                }
                if mapped {
                    linears.append((name, .packedLowRank(u: .decoded(DecodedMatrix(u)), v: .decoded(DecodedMatrix(v)), bias: bias)))
                } else {
                    linears.append((name, .lowRank(u: try f.tensor(u.info.name), v: try f.tensor(v.info.name), bias: bias)))
                }
            }
            return (linears, reports)
        } catch let e as CompressionError {
            throw e
        } catch {
            throw .mismatch(path: tensors.path, reason: "cannot read the saved layer \(layer): \(error)")
        }
    }

    /// The layers saved and finished (both files there).
    public func finishedLayers() -> Set<Int> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var layers = Set<Int>()
        for name in names where name.hasPrefix("layer-") && name.hasSuffix(".json") {
            // Only the names this class writes: `layer-+01.json` or `layer-1.json` parse as 1 too, but load reads
            // `layer-001.json`.
            if let i = Int(name.dropFirst("layer-".count).dropLast(".json".count)), i >= 0,
               name == Self.fileName(layer: i, "json"), names.contains(Self.fileName(layer: i, "safetensors")) { layers.insert(i) }
        }
        return layers
    }

    /// Copies the finished layers of another checkpoint folder of the same run (another machine's `--layers`
    /// range) into this one: the join of several ranges. Its `run.json` must equal this one's; a layer this folder
    /// already has is kept. Each layer's tensors are copied before its JSON, so an interrupted join leaves only
    /// whole layers. Returns the layers copied.
    @discardableResult
    public func absorb(_ other: URL) throws(CompressionError) -> [Int] {
        let fm = FileManager.default
        let mine = fm.contents(atPath: directory.appendingPathComponent("run.json").path)
        let theirs = fm.contents(atPath: other.appendingPathComponent("run.json").path)
        guard let theirs else { throw .mismatch(path: other.path, reason: "holds no run.json: not a compress checkpoint (OUT.partial) folder") }
        guard let mine, let a = try? JSONDecoder().decode(RunIdentity.self, from: mine),
              let b = try? JSONDecoder().decode(RunIdentity.self, from: theirs), a == b else {
            throw .mismatch(path: other.path, reason: "belongs to another run (model, calibration, method or ratio differ); only ranges of one run can be joined")
        }
        let source = LayerCheckpoint(existing: other)
        var copied: [Int] = []
        let have = finishedLayers()
        for i in source.finishedLayers().sorted() where !have.contains(i) {
            for ext in ["safetensors", "json"] {
                let from = source.file(i, ext), to = file(i, ext)
                let tmp = directory.appendingPathComponent(".\(to.lastPathComponent).join-\(UUID().uuidString)")
                do {
                    try fm.copyItem(at: from, to: tmp)
                    guard rename(tmp.path, to.path) == 0 else {  // atomic, over a stale file of an interrupted join
                        throw CompressionError.io(path: to.path, reason: String(cString: strerror(errno)))
                    }
                } catch {
                    try? fm.removeItem(at: tmp)
                    throw .io(path: to.path, reason: "cannot copy layer \(i) from \(other.path): \(error.localizedDescription)")
                }
            }
            copied.append(i)
        }
        return copied
    }

    /// A view of an existing folder (for reading its layers).
    private init(existing directory: URL) { self.directory = directory }

    /// Deletes the folder (after the final model is in place). Each layer's JSON (what marks it finished) goes
    /// before its tensors, the reverse of ``save(layer:linears:reports:)``, so that a removal cut short (a kill)
    /// leaves, like a save cut short, no JSON without its whole safetensors file.
    public func remove() {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix("layer-") && name.hasSuffix(".json") {
            unlink(directory.appendingPathComponent(name).path)
        }
        try? fm.removeItem(at: directory)
    }
}
