import LinearAlgebraCore

// SIMD kernels on contiguous rows (the "columns" Jacobi rotates are stored as rows, so every kernel streams
// unit-stride memory). SIMD8<T> is one ymm for Float and two for Double; loops are unrolled twice.

/// x·y over n elements (four independent accumulators, so the FMA latency does not bound the loop).
@inline(__always)
func dotRow<T: LinalgScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> T {
    typealias V = SIMD8<T>
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    let vb = MemoryLayout<V>.stride
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    var i = 0, off = 0
    while i + 32 <= n {
        s0.addProduct(rx.loadUnaligned(fromByteOffset: off, as: V.self), ry.loadUnaligned(fromByteOffset: off, as: V.self))
        s1.addProduct(rx.loadUnaligned(fromByteOffset: off + vb, as: V.self),
                      ry.loadUnaligned(fromByteOffset: off + vb, as: V.self))
        s2.addProduct(rx.loadUnaligned(fromByteOffset: off + 2 * vb, as: V.self),
                      ry.loadUnaligned(fromByteOffset: off + 2 * vb, as: V.self))
        s3.addProduct(rx.loadUnaligned(fromByteOffset: off + 3 * vb, as: V.self),
                      ry.loadUnaligned(fromByteOffset: off + 3 * vb, as: V.self))
        i += 32
        off += 4 * vb
    }
    while i + 8 <= n {
        s0.addProduct(rx.loadUnaligned(fromByteOffset: off, as: V.self), ry.loadUnaligned(fromByteOffset: off, as: V.self))
        i += 8
        off += vb
    }
    var s = ((s0 + s1) + (s2 + s3)).sum()
    while i < n {
        s += x[i] * y[i]
        i += 1
    }
    return s
}

/// y ← y + a·x over n elements.
@inline(__always)
func axpyRow<T: LinalgScalar>(_ a: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    typealias V = SIMD8<T>
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let va = V(repeating: a)
    var i = 0, off = 0
    while i + 8 <= n {
        var v = ry.loadUnaligned(fromByteOffset: off, as: V.self)
        v.addProduct(va, rx.loadUnaligned(fromByteOffset: off, as: V.self))
        ry.storeBytes(of: v, toByteOffset: off, as: V.self)
        i += 8
        off += MemoryLayout<V>.stride
    }
    while i < n {
        y[i] += a * x[i]
        i += 1
    }
}

/// x ← a·x over n elements.
@inline(__always)
func scaleRow<T: LinalgScalar>(_ a: T, _ x: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n { x[i] *= a }
}

/// The plane rotation of two rows: x ← c·x − s·y, y ← s·x + c·y.
@inline(__always)
func rotateRows<T: LinalgScalar>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, c: T, s: T) {
    typealias V = SIMD8<T>
    let rx = UnsafeMutableRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let vc = V(repeating: c), vs = V(repeating: s)
    let vb = MemoryLayout<V>.stride
    var i = 0, off = 0
    while i + 16 <= n {
        let a0 = rx.loadUnaligned(fromByteOffset: off, as: V.self)
        let b0 = ry.loadUnaligned(fromByteOffset: off, as: V.self)
        let a1 = rx.loadUnaligned(fromByteOffset: off + vb, as: V.self)
        let b1 = ry.loadUnaligned(fromByteOffset: off + vb, as: V.self)
        rx.storeBytes(of: (vc * a0).addingProduct(-vs, b0), toByteOffset: off, as: V.self)
        ry.storeBytes(of: (vs * a0).addingProduct(vc, b0), toByteOffset: off, as: V.self)
        rx.storeBytes(of: (vc * a1).addingProduct(-vs, b1), toByteOffset: off + vb, as: V.self)
        ry.storeBytes(of: (vs * a1).addingProduct(vc, b1), toByteOffset: off + vb, as: V.self)
        i += 16
        off += 2 * vb
    }
    while i < n {
        let a = x[i], b = y[i]
        x[i] = c * a - s * b
        y[i] = s * a + c * b
        i += 1
    }
}

/// ‖x‖₂ of n elements, accumulated in Double with scaling (no overflow or underflow of the squares).
@inline(__always)
func robustNorm<T: LinalgScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double { scaledEuclideanNorm(x, count: n) }
