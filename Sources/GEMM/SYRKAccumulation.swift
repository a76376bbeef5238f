/// How the Float → Double symmetric rank-k update
/// (``syrk(_:into:alpha:beta:accumulation:variant:parallelism:params:)``) forms C ← α·AᵀA + β·C:
///
///     double:       C ← α·Σₚ Double(a_p)ᵀ·Double(a_p) + β·C               every product and sum in Double
///     floatSlabs:   C ← α·Σ_s Double(Σ_{p∈s} a_pᵀ·a_p) + β·C               each slab s of ≤ KC rows of A in Float
///
/// `floatSlabs` runs the Float micro-kernel (twice the Double one's flops per cycle, half the packed bytes) on
/// each depth slab of KC rows (``SYRKParams/kc``, or the Float GEMM's KC spread evenly over the rows), and adds
/// each slab's Float sums into the Double C: the rounding of a sum grows with the slab's depth only, not with the
/// whole of A (|error| ≤ ≈ 2(KC + 2)·ε_Float·Σₚ|a_pi·a_pj|, against 2(k + 2)·ε_Double for `double`).
public enum SYRKAccumulation: String, Sendable, CaseIterable, Codable {
    case double
    case floatSlabs = "float-slabs"
}
