import Foundation

/// SIMD exponentials for the elementwise hot loops (SiLU/GELU gates, attention softmax, log-softmax).
///
/// exp(x) = 2ⁿ · e^r with n = round(x / ln 2), r = x − n ln 2 (ln 2 split in two for exactness), and e^r from
/// Cephes' degree-6 polynomial: relative error ≲ 2 ulp on [−87.3, 88.7] (inputs are clamped to it).
public enum VectorMath {
    public typealias V = SIMD8<Float>

    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        let x = pointwiseMax(pointwiseMin(x, V(repeating: 88.7)), V(repeating: -87.3))
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

    /// log Σᵢ exp(p[i]) (p unchanged), with the max shifted out.
    @inlinable
    public static func logSumExp(_ p: UnsafePointer<Float>, count n: Int) -> Double {
        var mv = V(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            mv = pointwiseMax(mv, UnsafeRawPointer(p + i).loadUnaligned(as: V.self))
            i += 8
        }
        var m = mv.max()
        for j in i..<n { m = Swift.max(m, p[j]) }
        var acc = V.zero
        i = 0
        while i + 8 <= n {
            acc += exp(UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - m)
            i += 8
        }
        var sum = Double(acc.sum())
        for j in i..<n { sum += Double(exp(p[j] - m)) }
        return Double(m) + Foundation.log(sum)
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
