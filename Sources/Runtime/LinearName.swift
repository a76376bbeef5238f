import LinearAlgebraCore

/// The linear layers of a decoder block, in Hugging Face spelling (`model.layers.N.<module>.<name>`).
public enum LinearName: String, CaseIterable, Sendable, Codable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// The linears that read the same input X within a block: {q, k, v}, {o}, {gate, up}, {down}.
    public var inputGroup: [LinearName] {
        switch self {
        case .q, .k, .v: return [.q, .k, .v]
        case .o: return [.o]
        case .gate, .up: return [.gate, .up]
        case .down: return [.down]
        }
    }
}

/// The input X (tokens × in) that one group of linear layers of block `layer` is about to multiply.
///
/// SVD-LLM's whitening needs the Gram XᵀX of every linear's input, layer by layer: a capture hook passed to
/// ``CausalLM/forwardLayer(_:_:firstPosition:capture:)`` receives one `LinearInput` per group per block.
public struct LinearInput {
    public let layer: Int
    /// The linears that share this input (e.g. [.q, .k, .v]).
    public let names: [LinearName]
    /// tokens × in.
    public let x: Matrix<Float>
}

/// Receives every linear-layer input during a forward pass (called on the calling thread, in block order).
public typealias LinearInputCapture = (LinearInput) -> Void
