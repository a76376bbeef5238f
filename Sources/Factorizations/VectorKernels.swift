import LinearAlgebraCore

// Contiguous level-1 kernels shared by the factorizations. Generic, always inlined into callers that the
// optimizer has specialized for Float or Double, so SIMD8<T> becomes ymm/zmm code.

/// Σᵢ xᵢ·yᵢ over `count` contiguous elements, with two SIMD8 FMA accumulators (reassociated sum).
@inline(__always)
func dotProduct<T: LinalgScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count n: Int) -> T {
    var s0 = SIMD8<T>(), s1 = SIMD8<T>()
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    let st = MemoryLayout<T>.stride
    var i = 0
    while i &+ 16 <= n {
        s0.addProduct(rx.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self),
                      ry.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self))
        s1.addProduct(rx.loadUnaligned(fromByteOffset: (i &+ 8) &* st, as: SIMD8<T>.self),
                      ry.loadUnaligned(fromByteOffset: (i &+ 8) &* st, as: SIMD8<T>.self))
        i &+= 16
    }
    if i &+ 8 <= n {
        s0.addProduct(rx.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self),
                      ry.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self))
        i &+= 8
    }
    var s = (s0 + s1).sum()
    while i < n {
        s += x[i] * y[i]
        i &+= 1
    }
    return s
}

/// y ← y + α·x over `count` contiguous elements.
@inline(__always)
func axpy<T: LinalgScalar>(_ alpha: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count n: Int) {
    let a = SIMD8<T>(repeating: alpha)
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let st = MemoryLayout<T>.stride
    var i = 0
    while i &+ 8 <= n {
        var v = ry.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self)
        v.addProduct(a, rx.loadUnaligned(fromByteOffset: i &* st, as: SIMD8<T>.self))
        ry.storeBytes(of: v, toByteOffset: i &* st, as: SIMD8<T>.self)
        i &+= 8
    }
    while i < n {
        y[i] += alpha * x[i]
        i &+= 1
    }
}

/// x ← α·x over `count` contiguous elements.
@inline(__always)
func scale<T: LinalgScalar>(_ alpha: T, _ x: UnsafeMutablePointer<T>, count n: Int) {
    for i in 0..<n { x[i] *= alpha }
}

extension MutableMatrixView {
    /// Multiplies every element by α (α = 0 writes zeros, so NaN already there does not survive).
    @inline(__always)
    func scaleAll(by alpha: T) {
        if alpha == 1 { return }
        if alpha == 0 { fill(0); return }
        for i in 0..<rows { scale(alpha, base + i * rowStride, count: cols) }
    }

    /// Sets the strictly upper triangle (j > i) to zero.
    func zeroStrictUpper() {
        for i in 0..<rows where i + 1 < cols {
            (base + i * rowStride + i + 1).update(repeating: 0, count: cols - i - 1)
        }
    }

    /// Sets the strictly lower triangle (j < i) to zero.
    func zeroStrictLower() {
        for i in 1..<Swift.max(rows, 1) {
            (base + i * rowStride).update(repeating: 0, count: Swift.min(i, cols))
        }
    }
}
