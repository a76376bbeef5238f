import Foundation

/// SIMD kernels for the elementwise hot loops: exponentials (SiLU/GELU gates, attention softmax, log-softmax),
/// row maxima and sums of squares (softmax, RMSNorm), scaled and summed rows (norms, residual adds).
///
/// exp(x) = 2ⁿ · e^r with n = round(x / ln 2), r = x − n ln 2 (ln 2 split in two for exactness), and e^r from
/// Cephes' degree-6 polynomial: relative error ≲ 2 ulp on [−87.3, 88.7] (inputs are clamped to it).
public enum VectorMath {
    public typealias V = SIMD8<Float>

    /// Lane-wise max (one `vmaxps`; the standard library's `pointwiseMax` goes lane by lane for NaN rules).
    @inlinable @inline(__always)
    public static func maximum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .> a) }

    @inlinable @inline(__always)
    public static func minimum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

    @inlinable @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        let x = maximum(minimum(x, V(repeating: 88.7)), V(repeating: -87.3))
        // t = x/ln2 + 1.5·2²³: the float addition rounds x/ln2 to the nearest integer n, which then sits in
        // t's low mantissa bits (bits(t) − bits(1.5·2²³) = n); n itself is t − 1.5·2²³.
        let t = x * 1.44269504088896341 + 12582912.0
        let n = t - 12582912.0
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
    }

    /// Scalar form through the vector code (lane 0).
    @inlinable public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// p[i] ← exp(p[i] − shift) for i < n; returns Σ exp (accumulated in Float per lane, then in Double).
    @inlinable
    public static func expShifted(_ p: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Double {
        var acc = V.zero
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(p + i)
            let e = exp(raw.loadUnaligned(as: V.self) - shift)
            raw.storeBytes(of: e, as: V.self)
            acc += e
            i += 8
        }
        var sum = Double(acc.sum())
        while i < n {
            let e = exp(p[i] - shift)
            p[i] = e
            sum += Double(e)
            i += 1
        }
        return sum
    }

    /// Σᵢ exp(p[i] − shift) (p unchanged; accumulated in Float per lane, then in Double).
    @inlinable
    public static func sumOfExponentials(_ p: UnsafePointer<Float>, count n: Int, shift: Float) -> Double {
        var a0 = V.zero, a1 = V.zero
        var i = 0
        while i + 16 <= n {
            a0 += exp(load(p + i) - shift)
            a1 += exp(load(p + i + 8) - shift)
            i += 16
        }
        var sum = Double((a0 + a1).sum())
        while i < n { sum += Double(exp(p[i] - shift)); i += 1 }
        return sum
    }

    /// log Σᵢ exp(p[i]) (p unchanged), with the max shifted out.
    @inlinable
    public static func logSumExp(_ p: UnsafePointer<Float>, count n: Int) -> Double {
        let m = maximum(p, count: n)
        return Double(m) + Foundation.log(sumOfExponentials(p, count: n, shift: m))
    }

    /// maxᵢ p[i] (−∞ for n = 0).
    @inlinable
    public static func maximum(_ p: UnsafePointer<Float>, count n: Int) -> Float {
        var m0 = V(repeating: -.infinity), m1 = m0
        var i = 0
        while i + 16 <= n {
            m0 = maximum(m0, load(p + i))
            m1 = maximum(m1, load(p + i + 8))
            i += 16
        }
        var m = maximum(m0, m1).max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    /// Σᵢ p[i]² (Float, eight lanes then their sum: the rounding of a blocked sum).
    @inlinable
    public static func sumOfSquares(_ p: UnsafePointer<Float>, count n: Int) -> Float {
        var a0 = V.zero, a1 = V.zero
        var i = 0
        while i + 16 <= n {
            let x0 = load(p + i), x1 = load(p + i + 8)
            a0 = a0.addingProduct(x0, x0)
            a1 = a1.addingProduct(x1, x1)
            i += 16
        }
        var s = (a0 + a1).sum()
        while i < n { s += p[i] * p[i]; i += 1 }
        return s
    }

    /// Σᵢ p[i].
    @inlinable
    public static func sum(_ p: UnsafePointer<Float>, count n: Int) -> Float {
        var a = V.zero
        var i = 0
        while i + 8 <= n { a += load(p + i); i += 8 }
        var s = a.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// y[i] ← (x[i] − shift) · s · g[i] (+ b[i]) for i < n: the scale of a normalization (x and y may alias).
    @inlinable
    public static func normalize(_ x: UnsafePointer<Float>, shift: Float = 0, scale s: Float, gamma g: UnsafePointer<Float>,
                                 beta b: UnsafePointer<Float>? = nil, into y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        if let b {
            while i + 8 <= n {
                store((load(x + i) - shift) * s * load(g + i) + load(b + i), y + i)
                i += 8
            }
            while i < n { y[i] = (x[i] - shift) * s * g[i] + b[i]; i += 1 }
        } else {
            while i + 8 <= n {
                store((load(x + i) - shift) * s * load(g + i), y + i)
                i += 8
            }
            while i < n { y[i] = (x[i] - shift) * s * g[i]; i += 1 }
        }
    }

    /// a[i] ← a[i] + b[i] for i < n.
    @inlinable
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n { store(load(a + i) + load(b + i), a + i); i += 8 }
        while i < n { a[i] += b[i]; i += 1 }
    }

    /// p[i] ← p[i] · s for i < n.
    @inlinable
    public static func scale(_ p: UnsafeMutablePointer<Float>, by s: Float, count n: Int) {
        var i = 0
        while i + 8 <= n { store(load(p + i) * s, p + i); i += 8 }
        while i < n { p[i] *= s; i += 1 }
    }

    /// SiLU gate: g ← g / (1 + e^{−g}) · u over n values.
    @inlinable
    public static func siluGate(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(g + i)
            let x = raw.loadUnaligned(as: V.self), uv = UnsafeRawPointer(u + i).loadUnaligned(as: V.self)
            raw.storeBytes(of: x / (1 + exp(-x)) * uv, as: V.self)
            i += 8
        }
        while i < n {
            g[i] = g[i] / (1 + exp(-g[i])) * u[i]
            i += 1
        }
    }

    /// GELU (tanh) gate: g ← ½g(1 + tanh(√(2/π)(g + 0.044715g³))) · u, with tanh y = 1 − 2/(e^{2y} + 1).
    @inlinable
    public static func geluTanhGate(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count n: Int) {
        @inline(__always) func gelu(_ x: V) -> V {
            let y = 0.7978845608028654 * (x + 0.044715 * x * x * x)
            let t = 1 - 2 / (exp(2 * y) + 1)
            return 0.5 * x * (1 + t)
        }
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(g + i)
            let x = raw.loadUnaligned(as: V.self), uv = UnsafeRawPointer(u + i).loadUnaligned(as: V.self)
            raw.storeBytes(of: gelu(x) * uv, as: V.self)
            i += 8
        }
        while i < n {
            g[i] = gelu(V(repeating: g[i]))[0] * u[i]
            i += 1
        }
    }
}
