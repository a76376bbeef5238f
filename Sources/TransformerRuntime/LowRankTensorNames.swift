/// Hugging Face names of a low-rank linear's two factors, in the official SVD-LLM code's spelling
/// (`SVD_LlamaAttention.q_u_proj` / `q_v_proj`): module `…self_attn.q_proj` becomes `…self_attn.q_u_proj`
/// (W_u, out × r) and `…self_attn.q_v_proj` (W_v, r × in); a module not ending in `_proj` (OPT's `fc1`) gets
/// `_u_proj` / `_v_proj` appended.
public enum LowRankTensorNames {
    /// (u, v) module paths for a dense module path.
    public static func factors(ofModule module: String) -> (u: String, v: String) {
        if module.hasSuffix("_proj") {
            let stem = module.dropLast("_proj".count)
            return ("\(stem)_u_proj", "\(stem)_v_proj")
        }
        return ("\(module)_u_proj", "\(module)_v_proj")
    }

    /// The Hugging Face module path of linear `name` of block `layer` (without `.weight`).
    public static func module(layer: Int, name: LinearName, opt: Bool) -> String {
        if opt {
            let leaf: String
            switch name {
            case .q, .k, .v: leaf = "self_attn.\(name.rawValue)"
            case .o: leaf = "self_attn.out_proj"
            case .up: leaf = "fc1"
            case .down: leaf = "fc2"
            case .gate: leaf = "gate_proj"  // OPT has no gate
            }
            return "model.decoder.layers.\(layer).\(leaf)"
        }
        switch name {
        case .q, .k, .v, .o: return "model.layers.\(layer).self_attn.\(name.rawValue)"
        case .gate, .up, .down: return "model.layers.\(layer).mlp.\(name.rawValue)"
        }
    }
}
