import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm convert MODEL.gguf --out DIR`: a GGUF model as a Hugging Face folder.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a GGUF model (llama, mistral, qwen2, gemma3) into a Hugging Face folder.",
        discussion: """
            Writes config.json, generation_config.json, model.safetensors (dequantized, Hugging Face names and
            layout), tokenizer.json and tokenizer_config.json. The folder is built beside DIR and renamed into
            place, so DIR is either complete or untouched.
            """)

    enum DType: String, ExpressibleByArgument, CaseIterable {
        case f32, f16, bf16
        var safeTensors: SafeTensorsDType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .bf16: return .bf16
            }
        }
    }

    @Argument(help: "The .gguf file.")
    var model: String

    @Option(help: "The folder to create.")
    var out: String

    @Option(help: "Weight type in model.safetensors: f32, f16 or bf16.")
    var dtype: DType = .f32

    @Flag(help: "Replace DIR if it exists and is not empty.")
    var force = false

    @OptionGroup var workers: WorkerThreads

    func run() throws {
        let source = URL(fileURLWithPath: model)
        if QuantizedModelWriter.isQuantizedFolder(source) {
            throw CLIError("\(model): a quantized folder (config.json has a \"quantization\" object) cannot be converted; convert the GGUF it came from")
        }
        let dest = URL(fileURLWithPath: out).standardizedFileURL
        try StagingFolder.checkDestination(dest, force: force)
        let lock = try FolderLock(guarding: dest)  // one run per output folder
        defer { lock.release() }
        let seconds = try Stopwatch.seconds {
            try HuggingFaceExport.convert(
                gguf: URL(fileURLWithPath: model), to: dest,
                options: .init(dtype: dtype.safeTensors, force: force, parallelism: .threads(workers.threads)))
        }
        FileHandle.standardError.write(Data("wrote \(dest.path) in \(String(format: "%.1f", seconds)) s\n".utf8))
    }
}
