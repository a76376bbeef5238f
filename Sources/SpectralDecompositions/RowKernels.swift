import LinearAlgebraCore

// SIMD kernels on contiguous rows (the "columns" Jacobi rotates are stored as rows, so every kernel streams
// unit-stride memory). SIMD8<T> is one ymm for Float and two for Double; loops are unrolled twice.

/// (x·x, y·y, x·y) in one pass over two rows of length n.
@inline(__always)
func fusedGram<T: LinalgScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> (xx: T, yy: T, xy: T) {
    typealias V = SIMD8<T>
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    let vb = MemoryLayout<V>.stride
    var xx0 = V(), yy0 = V(), xy0 = V(), xx1 = V(), yy1 = V(), xy1 = V()
    var i = 0, off = 0
    while i + 16 <= n {
        let a0 = rx.loadUnaligned(fromByteOffset: off, as: V.self)
        let b0 = ry.loadUnaligned(fromByteOffset: off, as: V.self)
        let a1 = rx.loadUnaligned(fromByteOffset: off + vb, as: V.self)
        let b1 = ry.loadUnaligned(fromByteOffset: off + vb, as: V.self)
        xx0.addProduct(a0, a0); yy0.addProduct(b0, b0); xy0.addProduct(a0, b0)
        xx1.addProduct(a1, a1); yy1.addProduct(b1, b1); xy1.addProduct(a1, b1)
        i += 16
        off += 2 * vb
    }
    if i + 8 <= n {
        let a0 = rx.loadUnaligned(fromByteOffset: off, as: V.self)
        let b0 = ry.loadUnaligned(fromByteOffset: off, as: V.self)
        xx0.addProduct(a0, a0); yy0.addProduct(b0, b0); xy0.addProduct(a0, b0)
        i += 8
    }
    var sxx = (xx0 + xx1).sum(), syy = (yy0 + yy1).sum(), sxy = (xy0 + xy1).sum()
    while i < n {
        let a = x[i], b = y[i]
        sxx += a * a; syy += b * b; sxy += a * b
        i += 1
    }
    return (sxx, syy, sxy)
}

/// x·y over n elements.
@inline(__always)
func dotRow<T: LinalgScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> T {
    typealias V = SIMD8<T>
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    let vb = MemoryLayout<V>.stride
    var s0 = V(), s1 = V()
    var i = 0, off = 0
    while i + 16 <= n {
        s0.addProduct(rx.loadUnaligned(fromByteOffset: off, as: V.self), ry.loadUnaligned(fromByteOffset: off, as: V.self))
        s1.addProduct(rx.loadUnaligned(fromByteOffset: off + vb, as: V.self),
                      ry.loadUnaligned(fromByteOffset: off + vb, as: V.self))
        i += 16
        off += 2 * vb
    }
    var s = (s0 + s1).sum()
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
func robustNorm<T: LinalgScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
    var scale = 0.0, ssq = 1.0
    for i in 0..<n {
        let a = abs(x[i].asDouble)
        guard a != 0 else { continue }
        if scale < a {
            ssq = 1 + ssq * (scale / a) * (scale / a)
            scale = a
        } else {
            ssq += (a / scale) * (a / scale)
        }
    }
    return scale * ssq.squareRoot()
}
