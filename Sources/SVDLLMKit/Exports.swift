// The umbrella module: `import SVDLLMKit` brings in every layer of the toolkit.
@_exported import Evaluation
@_exported import Factorizations
@_exported import Formats
@_exported import TransformerRuntime
@_exported import SpectralDecompositions
@_exported import SVDLLM
@_exported import Quantization
@_exported import Training
@_exported import Tokenizers
@_exported import GEMM
@_exported import LinearAlgebraCore
