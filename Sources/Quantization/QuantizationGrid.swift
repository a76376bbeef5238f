/// A uniform integer grid for one group of weights (one row's group of input columns), the min/max grid of GPTQ
/// (IST-DASLab `quant.py`, `Quantizer` with perchannel=True, mse=False), in Float as there.
///
/// Fitting to values x₁…x_k with maxq = 2^bits − 1 (the range is widened to contain 0):
///
///     x_min = min(minᵢ xᵢ, 0),   x_max = max(maxᵢ xᵢ, 0)
///     symmetric:  x_max ← max(|x_min|, x_max),  x_min ← −x_max if x_min < 0
///     x_min = x_max = 0  ⇒  x_min = −1, x_max = +1
///     scale = (x_max − x_min) / maxq
///     zero  = round(−x_min / scale)          (asymmetric)
///           = (maxq + 1) / 2                 (symmetric: 2, 4, 8, 128 for 2, 3, 4, 8 bits)
///
/// and a weight x maps to the code and back as
///
///     q = clamp(round(x / scale) + zero, 0, maxq),   x̂ = scale · (q − zero).
///
/// `round` is round-half-to-even (IEEE roundeven, as `torch.round`): 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → −0.
/// Every step is one correctly rounded Float operation in the order written, so codes match PyTorch's float32
/// exactly. (As in quant.py, a symmetric grid of a group with no negative value keeps x_min = 0: its scale is
/// x_max/maxq and codes above zero + maxq/2 clamp.) One departure: a scale that underflows to 0 (|x| below ~1e-44)
/// falls back to the ±1 grid instead of producing NaN codes.
public struct QuantizationGrid: Sendable, Equatable {
    /// The step between consecutive codes (> 0).
    public var scale: Float
    /// The code of 0, an integer in 0…maxq.
    public var zero: Float
    /// The largest code, 2^bits − 1.
    public var maxq: Float

    /// A grid with the given step and zero point; codes 0…maxq.
    public init(scale: Float, zero: Float, maxq: Int) {
        self.scale = scale
        self.zero = zero
        self.maxq = Float(maxq)
    }

    /// The min/max grid of `values` (non-empty, finite) for `bits` (1…8) bits.
    public init(fitting values: UnsafeBufferPointer<Float>, bits: Int, symmetric: Bool) {
        precondition(!values.isEmpty, "QuantizationGrid: argument 'values' is empty")
        precondition((1...8).contains(bits), "QuantizationGrid: argument 'bits' must be in 1...8, got \(bits)")
        let maxq = (1 << bits) - 1
        var lo = values[0], hi = values[0]
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        var xmin = Swift.min(lo, 0), xmax = Swift.max(hi, 0)
        if symmetric {
            xmax = Swift.max(abs(xmin), xmax)
            if xmin < 0 { xmin = -xmax }
        }
        if xmin == 0 && xmax == 0 {
            xmin = -1
            xmax = 1
        }
        var scale = (xmax - xmin) / Float(maxq)
        if !(scale > 0) {  // underflow of tiny weights: the ±1 grid
            xmin = -1
            scale = 2 / Float(maxq)
        }
        let zero = symmetric ? Float(maxq + 1) / 2 : (-xmin / scale).rounded(.toNearestOrEven)
        self.init(scale: scale, zero: zero + 0, maxq: maxq)  // + 0 turns a −0 zero point into +0
    }

    /// The min/max grid of `values` (non-empty, finite).
    public init(fitting values: [Float], bits: Int, symmetric: Bool) {
        self = values.withUnsafeBufferPointer { QuantizationGrid(fitting: $0, bits: bits, symmetric: symmetric) }
    }

    /// q = clamp(round(x / scale) + zero, 0, maxq), round half to even; an integer-valued Float.
    @inlinable public func code(_ x: Float) -> Float {
        Swift.min(Swift.max((x / scale).rounded(.toNearestOrEven) + zero, 0), maxq)
    }

    /// x̂ = scale · (q − zero).
    @inlinable public func value(ofCode q: Float) -> Float { scale * (q - zero) }

    /// x̂ = scale · (q(x) − zero), the grid point x rounds to.
    @inlinable public func quantized(_ x: Float) -> Float { value(ofCode: code(x)) }
}
