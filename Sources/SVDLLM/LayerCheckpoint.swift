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
    /// an error rather than silently discarded; with `resume`, it must belong to the same run.
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
        }
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .io(path: directory.path, reason: "cannot create: \(error.localizedDescription)")
        }
        try writeJSON(identity, to: runFile)
    }

    private func file(_ layer: Int, _ ext: String) -> URL {
        directory.appendingPathComponent(String(format: "layer-%03d.%@", layer, ext))
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

    /// The saved layer, if it finished; its linears are checked against the block's shapes.
    public func load(layer: Int, block: any DecoderBlock) throws(CompressionError)
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
                let u = try f.tensor("\(name.rawValue).u"), v = try f.tensor("\(name.rawValue).v")
                guard u.rows == dense.outFeatures, v.cols == dense.inFeatures, u.cols == v.rows else {
                    throw CompressionError.mismatch(path: tensors.path, reason: "\(name.rawValue) factors do not fit the model")
                }
                let bias = f.info("\(name.rawValue).bias") != nil ? try f.tensor("\(name.rawValue).bias").elements : nil
                linears.append((name, .lowRank(u: u, v: v, bias: bias)))
            }
            return (linears, reports)
        } catch let e as CompressionError {
            throw e
        } catch {
            throw .mismatch(path: tensors.path, reason: "cannot read the saved layer \(layer): \(error)")
        }
    }

    /// The saved layer's factors read in place from its mapped file (``SafeTensorsRowDecoder``: memory holds only
    /// the pages a product touches); nil when the layer has not finished. Shapes are checked against the block.
    public func mappedLinears(layer: Int, block: any DecoderBlock) throws(CompressionError) -> [(LinearName, Linear)]? {
        let json = file(layer, "json"), tensors = file(layer, "safetensors")
        guard FileManager.default.fileExists(atPath: json.path), FileManager.default.fileExists(atPath: tensors.path) else {
            return nil
        }
        do {
            let f = try SafeTensorsFile(url: tensors)
            var linears: [(LinearName, Linear)] = []
            for name in block.linearNames where f.info("\(name.rawValue).u") != nil {
                let current = block.linear(name)
                let u = try SafeTensorsRowDecoder(file: f, name: "\(name.rawValue).u")
                let v = try SafeTensorsRowDecoder(file: f, name: "\(name.rawValue).v")
                guard u.rows == current.outFeatures, v.cols == current.inFeatures, u.cols == v.rows else {
                    throw CompressionError.mismatch(path: tensors.path, reason: "\(name.rawValue) factors do not fit the model")
                }
                let bias = f.info("\(name.rawValue).bias") != nil ? try f.tensor("\(name.rawValue).bias").elements : nil
                linears.append((name, .packedLowRank(u: .decoded(DecodedMatrix(u)), v: .decoded(DecodedMatrix(v)), bias: bias)))
            }
            return linears
        } catch let e as CompressionError {
            throw e
        } catch {
            throw .mismatch(path: tensors.path, reason: "cannot map the saved layer \(layer): \(error)")
        }
    }

    /// Deletes the folder (after the final model is in place).
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
