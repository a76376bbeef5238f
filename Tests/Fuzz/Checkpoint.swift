// libFuzzer target: the `OUT.partial` checkpoint folder `compress --resume` trusts (LayerCheckpoint), or, for an
// input starting with '{', the text of a compressed folder's config.json with its `"svd_llm"` block.
//
// Folder input: entries `[name length: 1 byte][name][data length: 4 bytes LE][data]`, each written as the file
// `name` of a checkpoint folder (run.json, layer-000.json, layer-000.safetensors, …) in a scratch folder that is
// emptied every run; names with '/', a leading '.' or no characters are skipped. The folder is opened with
// `resume` under a fixed fingerprint ("fuzz"), its finished layers listed, each loaded (copied and mapped) into a
// decoder block of the tiny LLaMA fixture, then joined (`absorb`) into an empty checkpoint of the same run.
// Contract (folder): a CompressionError; or an open folder that either held our run.json or holds no finished
// layer, whose every finished layer loads, each linear once, a name of the block, with factors u: out × r and
// v: r × in (r ≥ 1) of the block's shapes, a bias of `out` values or none, that decode to those shapes and that
// the block accepts; and a join that copies exactly the finished layers.
// Contract (config): a DecodingError, or a CompressedModelInfo that encodes and decodes back equal, and that
// `CompressedModelWriter.recordedRun(in:)` reads as the same `run`.
import Foundation
import Formats
import GEMM
import LinearAlgebraCore
@testable import SVDLLM
import TransformerRuntime

private let scratch: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("svdllm-fuzz-checkpoint-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: scratch) }  // a crash leaves it for the reproducer's reader
    return dir
}()

/// The run every seed's run.json names: fingerprint of "fuzz", description "fuzz" (Tests/Fuzz/make_seeds.py).
private let fingerprint: RunFingerprint = {
    var f = RunFingerprint()
    f.add("fuzz")
    return f
}()

/// A decoder block of the 2-layer tiny LLaMA (hidden 32, intermediate 64, q/k/v biases), read once.
private let block: any DecoderBlock = {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TransformerRuntimeTests/Fixtures/tiny/llama")
    do { return try CausalLM(huggingFaceFolder: fixture).blocks[0] } catch {
        fatalError("cannot load the tiny fixture at \(fixture.path): \(error)")
    }
}()

/// The files of a folder input, in input order (at most 16); a truncated entry ends the list.
private func unpack(_ bytes: [UInt8]) -> [(String, Data)] {
    var files: [(String, Data)] = []
    var i = 0
    while i < bytes.count, files.count < 16 {
        let n = Int(bytes[i])
        i += 1
        guard i + n + 4 <= bytes.count else { break }
        let name = String(decoding: bytes[i..<i + n], as: UTF8.self)
        i += n
        let size = bytes[i..<i + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
        i += 4
        let data = Data(bytes[i..<min(bytes.count, i + size)])
        i += data.count
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.contains("\0") else { continue }
        files.append((name, data))
    }
    return files
}

private func checkLoaded(_ linears: [(LinearName, Linear)], mapped: Bool, layer: Int) {
    var seen = Set<String>()
    var b = block
    for (name, linear) in linears {
        require(block.linearNames.contains(name) && seen.insert(name.rawValue).inserted, "layer \(layer): \(name) twice or unknown")
        let dense = block.linear(name)
        let (u, v) = linear.factors
        guard let v else { fatalError("contract broken: layer \(layer) \(name): loaded dense") }
        require(u.rows == dense.outFeatures && v.cols == dense.inFeatures && u.cols == v.rows && v.rows >= 1,
                "layer \(layer) \(name): u \(u.rows)×\(u.cols), v \(v.rows)×\(v.cols) for \(dense.outFeatures)×\(dense.inFeatures)")
        require(linear.bias.map { $0.count == dense.outFeatures } ?? true, "layer \(layer) \(name): bias of \(linear.bias?.count ?? 0)")
        let du = u.dequantized(), dv = v.dequantized()
        require(du.rows == u.rows && du.cols == u.cols && du.elements.count == u.rows * u.cols, "\(name): u decodes to \(du.rows)×\(du.cols)")
        require(dv.rows == v.rows && dv.cols == v.cols && dv.elements.count == v.rows * v.cols, "\(name): v decodes to \(dv.rows)×\(dv.cols)")
        if case .packedLowRank = linear { require(mapped, "\(name): packed factors though not mapped") }
        require((try? b.setLinear(name, to: linear)) != nil, "layer \(layer) \(name): the block refuses it")
    }
}

private func checkFolder(_ bytes: [UInt8]) {
    let fm = FileManager.default
    let dir = scratch.appendingPathComponent("OUT.partial"), joined = scratch.appendingPathComponent("joined.partial")
    try? fm.removeItem(at: dir)
    try? fm.removeItem(at: joined)
    defer {
        try? fm.removeItem(at: dir)
        try? fm.removeItem(at: joined)
    }
    try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, data) in unpack(bytes) {
        guard fm.createFile(atPath: dir.appendingPathComponent(name).path, contents: data) else { continue }
    }
    struct Identity: Decodable, Equatable { var fingerprint: String; var description: String }
    let heldOurRun = fm.contents(atPath: dir.appendingPathComponent("run.json").path)
        .flatMap { try? JSONDecoder().decode(Identity.self, from: $0) } == Identity(fingerprint: fingerprint.hex, description: "fuzz")
    guard let checkpoint = try? LayerCheckpoint(directory: dir, fingerprint: fingerprint, description: "fuzz", resume: true)
    else { return }
    let finished = checkpoint.finishedLayers()
    require(heldOurRun || finished.isEmpty, "opened finished layers \(finished.sorted()) under another or no run.json")
    for layer in finished.sorted().prefix(4) {
        for mapped in [false, true] {
            let saved: (linears: [(LinearName, Linear)], reports: [MatrixReport])?
            do { saved = try checkpoint.load(layer: layer, block: block, mapped: mapped) } catch { continue }
            guard let saved else { fatalError("contract broken: finished layer \(layer) does not load") }
            checkLoaded(saved.linears, mapped: mapped, layer: layer)
        }
    }
    guard let target = try? LayerCheckpoint(directory: joined, fingerprint: fingerprint, description: "fuzz", resume: false),
          let copied = try? target.absorb(dir) else { return }
    require(Set(copied) == finished && target.finishedLayers() == finished, "join copied \(copied.sorted()) of \(finished.sorted())")
}

private struct Config: Codable, Equatable { var svd_llm: CompressedModelInfo }

private func checkConfig(_ bytes: [UInt8]) {
    guard let config = try? JSONDecoder().decode(Config.self, from: Data(bytes)) else { return }
    guard let encoded = try? JSONEncoder().encode(config) else { fatalError("contract broken: the decoded svd_llm does not encode") }
    let again = try? JSONDecoder().decode(Config.self, from: encoded)
    require(again == config, "svd_llm does not round-trip: \(String(decoding: encoded, as: UTF8.self))")
    let folder = scratch.appendingPathComponent("compressed")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: folder.appendingPathComponent("config.json").path, contents: Data(bytes)) else {
        fatalError("cannot write \(folder.path)/config.json")
    }
    require(CompressedModelWriter.recordedRun(in: folder) == config.svd_llm.run, "recordedRun differs from svd_llm.run")
    try? FileManager.default.removeItem(at: folder)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    if bytes.first == UInt8(ascii: "{") { checkConfig(bytes) } else { checkFolder(bytes) }
    return 0
}
