// swift-tools-version: 6.1
// swift-svd-llm: SVD-LLM compression of language models on our own linear algebra, in pure Swift.
import Foundation
import PackageDescription

/// Hot code is compiled for the host CPU (`-target-cpu native`: AVX2 or AVX-512 SIMD for `SIMD8/16<Float>`).
/// `SVDLLM_PORTABLE=1 swift build` builds for the baseline x86-64 / arm64 target instead (slower, movable).
let portable = ProcessInfo.processInfo.environment["SVDLLM_PORTABLE"] == "1"
/// The instruction sets of the host that kernels written with compiler intrinsics select at build time
/// (`#if HOST_AVX512VNNI`): read from /proc/cpuinfo, none for a portable build or another OS.
let hostISA: [String] = {
    guard !portable, let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(line.split(separator: " ").map(String.init))
    return [("avx2", "HOST_AVX2"), ("avx512f", "HOST_AVX512F"), ("avx512bw", "HOST_AVX512BW"),
            ("avx512_vnni", "HOST_AVX512VNNI")].compactMap { flags.contains($0.0) ? $0.1 : nil }
}()
let hotFlags: [SwiftSetting] = [
    .unsafeFlags(portable ? ["-Ounchecked"] : ["-Ounchecked", "-target-cpu", "native"], .when(configuration: .release)),
    .unsafeFlags(portable ? [] : ["-target-cpu", "native"], .when(configuration: .debug)),
] + (portable ? [.define("SVDLLM_PORTABLE")] : []) + hostISA.map { .define($0) }

let package = Package(
    name: "swift-svd-llm",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SVDLLMKit", targets: ["SVDLLMKit"]),
        .executable(name: "svdllm", targets: ["svdllm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
    ],
    targets: [
        // FFTW (libfftw3-dev): the only native library, used by the SRFT sketch.
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", providers: [.apt(["libfftw3-dev"])]),
        // Storage (Matrix, views), scalars, parallelism, CPU facts, workspace, seeded random numbers.
        .target(name: "LinearAlgebraCore", dependencies: [.product(name: "Atomics", package: "swift-atomics")],
                swiftSettings: hotFlags),
        // C = αAB + βC: naive reference, BLIS-blocked, parallel; GEMV.
        .target(name: "GEMM", dependencies: ["LinearAlgebraCore"], swiftSettings: hotFlags),
        // Cholesky, triangular solve/inverse, Householder QR, least squares.
        .target(name: "Factorizations", dependencies: ["LinearAlgebraCore", "GEMM"], swiftSettings: hotFlags),
        // One-sided Jacobi SVD, randomized SVD with Gaussian and SRFT (FFTW) sketches, the SVD value.
        .target(name: "SpectralDecompositions", dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations", "CFFTW"],
                swiftSettings: hotFlags),
        // File formats: NumPy .npy, GGUF (+ dequantization), safetensors, Hugging Face config.json, atomic writes.
        .target(name: "Formats", dependencies: ["LinearAlgebraCore"], swiftSettings: hotFlags),
        // Byte-level BPE and SentencePiece-style BPE, from GGUF metadata or tokenizer.json; the GGUF → Hugging Face
        // folder converter (weights, config and tokenizer files).
        .target(name: "Tokenizers", dependencies: ["LinearAlgebraCore", "Formats"], swiftSettings: hotFlags),
        // The transformer forward pass: LLaMA family, Gemma 3, OPT; dense or low-rank linears; KV cache; sampling.
        // (Not named `Runtime`: a module of that name shadows Swift's own Runtime module in dependents.)
        .target(name: "TransformerRuntime", dependencies: ["LinearAlgebraCore", "GEMM", "Formats"],
                swiftSettings: hotFlags),
        // Perplexity (the paper's protocol), prefill/decode speed, text generation.
        .target(name: "Evaluation", dependencies: ["LinearAlgebraCore", "TransformerRuntime", "Tokenizers"], swiftSettings: hotFlags),
        // The paper: calibration, streamed Gram profiling, whitening, truncation, closed-form update, baselines,
        // the compressed checkpoint.
        .target(name: "SVDLLM",
                dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations", "SpectralDecompositions", "Formats",
                               "Tokenizers", "TransformerRuntime", "Quantization"],
                swiftSettings: hotFlags),
        // GPTQ and round-to-nearest weight quantization: min/max grids, codes per (row, group), the output error.
        .target(name: "Quantization", dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations"],
                swiftSettings: hotFlags),
        // Fine-tuning: the backward pass of the runtime's ops (each beside its forward), LoRA adapters, AdamW, the
        // data formats (text, alpaca, sharegpt) and the training loop (joint or sequential U→V).
        .target(name: "Training", dependencies: ["LinearAlgebraCore", "GEMM", "Formats", "Tokenizers", "TransformerRuntime"],
                swiftSettings: hotFlags),
        // SVG plots (line, scatter, bar; linear, log and category axes), Markdown tables, Jupyter .ipynb writer.
        .target(name: "Notebooks", dependencies: ["Formats"]),
        // Umbrella: re-exports the small modules.
        .target(name: "SVDLLMKit",
                dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations", "SpectralDecompositions", "Formats",
                               "Tokenizers", "TransformerRuntime", "Evaluation", "SVDLLM", "Quantization", "Training"]),
        .executableTarget(
            name: "svdllm",
            dependencies: ["SVDLLMKit", "Notebooks", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: hotFlags),
        .testTarget(name: "LinearAlgebraCoreTests", dependencies: ["LinearAlgebraCore"], swiftSettings: hotFlags),
        // Test targets declare every module they import.
        .testTarget(name: "GEMMTests", dependencies: ["LinearAlgebraCore", "GEMM"], swiftSettings: hotFlags),
        .testTarget(name: "FactorizationsTests", dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations"],
                    swiftSettings: hotFlags),
        .testTarget(name: "SpectralDecompositionsTests", dependencies: ["LinearAlgebraCore", "GEMM", "SpectralDecompositions"],
                    swiftSettings: hotFlags),
        .testTarget(name: "FormatsTests", dependencies: ["LinearAlgebraCore", "Formats"], resources: [.copy("Fixtures")],
                    swiftSettings: hotFlags),
        .testTarget(name: "TransformerRuntimeTests", dependencies: ["LinearAlgebraCore", "GEMM", "Formats", "TransformerRuntime"],
                    resources: [.copy("Fixtures")], swiftSettings: hotFlags),
        .testTarget(name: "EvaluationTests",
                    dependencies: ["LinearAlgebraCore", "Formats", "Tokenizers", "TransformerRuntime", "Evaluation"],
                    resources: [.copy("Fixtures")], swiftSettings: hotFlags),
        .testTarget(name: "SVDLLMTests",
                    dependencies: ["LinearAlgebraCore", "GEMM", "Factorizations", "Formats", "Tokenizers",
                                   "TransformerRuntime", "Evaluation", "Quantization", "SVDLLM"],
                    exclude: ["Fixtures"], swiftSettings: hotFlags),
        .testTarget(name: "QuantizationTests", dependencies: ["LinearAlgebraCore", "Quantization", "Formats"],
                    resources: [.copy("Fixtures")], swiftSettings: hotFlags),
        .testTarget(name: "TrainingTests",
                    dependencies: ["LinearAlgebraCore", "GEMM", "Formats", "Tokenizers", "TransformerRuntime", "Training"],
                    resources: [.copy("Fixtures")], swiftSettings: hotFlags),
        .testTarget(name: "NotebooksTests", dependencies: ["Notebooks"]),
        .testTarget(name: "svdllmTests", dependencies: ["svdllm", "SVDLLMKit"], swiftSettings: hotFlags),
        .testTarget(name: "TokenizersTests", dependencies: ["LinearAlgebraCore", "Formats", "Tokenizers"],
                    resources: [.copy("Fixtures")], swiftSettings: hotFlags),
    ]
)
