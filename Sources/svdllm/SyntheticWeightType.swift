import ArgumentParser
import SVDLLMKit

/// The encoding of a synthetic model's 2-D weights (`synthesize --type`); norms always stay F32.
enum SyntheticWeightType: String, CaseIterable, ExpressibleByArgument, Sendable {
    case q4_0, q8_0, f16, f32

    var ggml: GGMLType {
        switch self {
        case .q4_0: return .q4_0
        case .q8_0: return .q8_0
        case .f16: return .f16
        case .f32: return .f32
        }
    }

    /// llama.cpp's `general.file_type` (`llama_ftype`): ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7.
    var fileType: UInt32 {
        switch self {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q8_0: return 7
        }
    }
}
