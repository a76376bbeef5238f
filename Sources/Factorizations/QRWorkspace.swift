import LinearAlgebraCore

/// Scratch of the blocked QR kernels, allocated once per factorization or application, never in inner loops.
final class QRWorkspace<T: LinalgScalar> {
    let blockSize: Int
    let maxColumns: Int
    /// blockSize × blockSize: the explicit unit-lower top of a block of V (zeros above the diagonal).
    let vTop: UnsafeMutablePointer<T>
    /// blockSize × max(maxColumns, blockSize): W = Vᵀ·C, and G = V₁ᵀ·V₂ while combining T factors.
    let w: UnsafeMutablePointer<T>
    /// blockSize × max(maxColumns, blockSize): op(T)·W.
    let w2: UnsafeMutablePointer<T>
    /// max(maxColumns, blockSize): the row vector vᵀ·C of a single reflector.
    let row: UnsafeMutablePointer<T>

    init(blockSize: Int, maxColumns: Int) {
        self.blockSize = Swift.max(1, blockSize)
        self.maxColumns = Swift.max(maxColumns, self.blockSize)
        vTop = .allocate(capacity: self.blockSize * self.blockSize)
        w = .allocate(capacity: self.blockSize * self.maxColumns)
        w2 = .allocate(capacity: self.blockSize * self.maxColumns)
        row = .allocate(capacity: self.maxColumns)
    }

    deinit {
        vTop.deallocate()
        w.deallocate()
        w2.deallocate()
        row.deallocate()
    }
}
