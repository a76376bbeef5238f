import ArgumentParser
import SVDLLMKit

extension WeightStorage: ExpressibleByArgument {}

/// `--weights f32|f16|bf16|q8|mapped`, shared by the commands that run a model: the storage its linears and
/// embedding take at load (converted tensor by tensor, so memory holds the stored bytes, not an f32 copy), or
/// `mapped`: the file's own tensors read in place, rows widened to f32 as each product needs them (memory near
/// the file's size, for any GGUF block type). Without it a GGUF runs in f32 (for perplexity parity with
/// transformers) and a Hugging Face folder in its stored types.
struct WeightStorageOption: ParsableArguments {
    @Option(name: .customLong("weights"),
            help: "Weight storage at load: f32, f16, bf16, q8, or mapped (the file's tensors read in place, widened as used; memory ≈ file size) (default: f32 for GGUF, the stored types for a folder).")
    var storage: WeightStorage?

    @Option(name: .customLong("decode-inputs"),
            help: "The decode (one-token) product of q8 and int4 weights: int8 (the input rounded to 8 bits in blocks of 32, integer dot products, as llama.cpp) or f32 (the input as is). Prefill and the float storages are the same either way.")
    var decodeInputs: DecodeInputs = .int8

    /// The values of `--decode-inputs`.
    enum DecodeInputs: String, ExpressibleByArgument, CaseIterable {
        case int8, f32

        var variant: WeightMatrix.GEMVVariant { self == .int8 ? .int8Input : .simd }
    }

    func validate() throws {
        if let s = storage, !WeightStorage.convertible.contains(s), s != .mapped {
            throw ValidationError("--weights must be one of \(WeightStorage.convertible.map(\.rawValue).joined(separator: ", ")) (got \(s.rawValue)); int4 weights come from `svdllm quantize`")
        }
    }
}
