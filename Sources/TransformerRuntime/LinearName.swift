import LinearAlgebraCore

/// The linear layers of a decoder block, in Hugging Face LLaMA spelling (`model.layers.N.<module>.<name>`).
/// OPT's non-gated MLP uses `up` for `fc1` and `down` for `fc2`. Inputs are shared by {q, k, v} and by
/// {gate, up}; a block's capture hook reports each shared input once (``LinearInput/names``).
public enum LinearName: String, CaseIterable, Sendable, Codable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

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
