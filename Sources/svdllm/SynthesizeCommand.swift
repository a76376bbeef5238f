import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm synthesize`: a GGUF model of a real shape (LLaMA 7B) with seeded random weights, for memory and time
/// measurements at real scale.
struct SynthesizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Write a synthetic LLaMA-shaped GGUF model with seeded random weights.",
        discussion: """
            --shape llama-7b: 32 layers, hidden 4096, intermediate 11008, 32 heads, vocabulary 32000, context 4096,
            untied output (6.74 B parameters; 3.8 GB as q4_0). --shape tiny: 2 layers, hidden 256, intermediate 512,
            4 heads, vocabulary 512. Matrices are normal-ish with standard deviation 0.02 (seeded per row), stored as
            --type; norms are 1.0 in f32. The tokenizer is byte-level with the 256 bytes as its only mergeable tokens.
            The file is streamed (bounded memory) to a temporary file and renamed into place. An existing --out with
            the same header (shape, type, seed and generator version) is kept; another file there needs --force.
            """)

    @Option(help: "Model shape: \(SyntheticShape.allCases.map(\.rawValue).joined(separator: " or ")).")
    var shape: SyntheticShape
    @Option(help: "Encoding of the 2-D weights: \(SyntheticWeightType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: SyntheticWeightType = .q4_0
    @Option(help: "Seed of the weights.") var seed: UInt64 = 1
    @Option(help: "Output .gguf file.") var out: String
    @Flag(help: "Rewrite --out even when it exists (with the same header or another file).") var force = false
    @OptionGroup var workers: WorkerThreads
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        var path: String
        var shape: String
        var type: String
        var seed: UInt64
        var parameters: Int
        var tensors: Int
        var bytes: Int
        /// True when --out already held this model and was kept.
        var kept: Bool
        var seconds: Double
        var peak_rss_bytes: Int
    }

    var model: SyntheticModel { SyntheticModel(shape: shape, type: type, seed: seed) }

    func run() throws {
        let report = try synthesize()
        if json {
            print(jsonLine(report))
        } else {
            print("\(report.path): \(report.kept ? "kept (same header)" : "written"), \(report.shape) \(report.type), "
                  + "seed \(report.seed), \(report.parameters) parameters, \(report.tensors) tensors, "
                  + "\(report.bytes) bytes, \(String(format: "%.1f", report.seconds)) s, peak RSS "
                  + "\(report.peak_rss_bytes / 1_048_576) MiB")
        }
    }

    /// Checks --out, then writes the model unless it is already there.
    /// - Throws: ``CLIError`` naming --out for an unusable destination; ``FormatError`` for a failed write.
    func synthesize() throws -> Report {
        let url = URL(fileURLWithPath: out).standardizedFileURL
        let model = self.model
        let layout = try model.layout(file: url.path)
        var kept = false
        let seconds = try Stopwatch.seconds {
            try Self.checkDestination(url)
            if FileManager.default.fileExists(atPath: url.path) && !force {
                guard model.isWritten(at: url, layout: layout) else {
                    throw CLIError("invalid --out: \(url.path) exists and is not this model (--force replaces it)")
                }
                kept = true
                return
            }
            do {
                try model.write(to: url, parallelism: .threads(workers.threads),
                                progress: json ? nil : { printError("synthesize: \($0)") })
            } catch let FormatError.io(file, reason) where file == url.path {
                throw CLIError("invalid --out: \(file): \(reason)")
            }
        }
        return Report(path: url.path, shape: shape.rawValue, type: type.rawValue, seed: seed,
                      parameters: shape.parameterCount, tensors: layout.tensors.count, bytes: layout.fileSize,
                      kept: kept, seconds: seconds, peak_rss_bytes: peakResidentBytes())
    }

    /// Throws unless `url` can be a file written in place: its folder exists and is writable, and it is not a folder.
    static func checkDestination(_ url: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            throw CLIError("invalid --out: \(url.path) is a folder")
        }
        let folder = url.deletingLastPathComponent().path
        guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("invalid --out: \(url.path): no folder \(folder)")
        }
        guard fm.isWritableFile(atPath: folder) else {
            throw CLIError("invalid --out: \(url.path): folder \(folder) is not writable")
        }
    }
}
