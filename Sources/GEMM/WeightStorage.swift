/// How a weight matrix is held in memory, chosen when a model is loaded (`--weights`) or stored by quantization.
///
/// | storage | bytes per weight | element |
/// |---|---|---|
/// | `f32` | 4 | IEEE single |
/// | `f16` | 2 | IEEE half (1-5-10), rounded to nearest even |
/// | `bf16` | 2 | the top 16 bits of a Float, rounded to nearest even |
/// | `q8` | 1 + 2/32 | int8 in blocks of 32 along a row, one scale per block (GGUF Q8_0's grid: d = max\|w\|/127, q = round(w/d)) |
/// | `int4` | ½ + per-group scale and zero | GPTQ's asymmetric (or symmetric) 4-bit grid per (row, group of inputs) |
/// | `int2`, `int3`, `int8` | ¼, ⅜, 1 + per-group scale and zero | the same grid at 2, 3 and 8 bits (``PackedCodeMatrix``) |
/// | `mapped` | the file's | a model file's tensor read in place (GGUF block types, safetensors), rows widened as products need them |
///
/// The first four can be made from any f32 matrix (``WeightMatrix/init(_:storage:)``); `int2`…`int8` come from a
/// quantizer (GPTQ or round-to-nearest), which chooses the grid; `mapped` from a model file (``DecodedMatrix``).
public enum WeightStorage: String, Sendable, CaseIterable, Codable {
    case f32, f16, bf16, q8, int2, int3, int4, int8, mapped

    /// The storages a dense f32 matrix can be converted to without calibration (`--weights`).
    public static let convertible: [WeightStorage] = [.f32, .f16, .bf16, .q8]
}
