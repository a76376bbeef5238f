import LinearAlgebraCore

/// Packs A[depth, cols] (A is k × n of scalar S) widened to T into both operand layouts of the GEMM micro-kernel in
/// one pass over A, since C = AᵀA takes its rows and its columns from the same columns of A:
///
/// - `rows`: MR-tall micro-panels (the A side of the micro-kernel, rows of C): the panel of columns c0 ..< c0 + MR
///   is depth × MR, row-major (the MR values of one p consecutive), at `rows + (c0 − cols.lowerBound)·depth`.
/// - `columns`: NR-wide micro-panels (the B side, columns of C): the panel of columns c0 ..< c0 + NR is depth × NR,
///   row-major, at `columns + (c0 − cols.lowerBound)·depth`.
///
/// The last panel of each layout is zero past `cols.upperBound`, so edge tiles run the full kernel. Row p of A is
/// read once (contiguous along the columns) and widened while it is copied: no widened copy of A is made.
func packSYRK<S: LinalgScalar, T: LinalgScalar>(
    _ a: MatrixView<S>, depth: Range<Int>, cols: Range<Int>, mr: Int, nr: Int,
    rows rowsDst: UnsafeMutablePointer<T>, columns colsDst: UnsafeMutablePointer<T>
) {
    let kc = depth.count, width = cols.count
    let rs = a.rowStride
    for p in 0..<kc {
        let src = a.base + (depth.lowerBound + p) * rs + cols.lowerBound   // width values of row p
        packRowIntoPanels(src, width: width, panel: nr, depth: kc, p: p, into: colsDst)
        packRowIntoPanels(src, width: width, panel: mr, depth: kc, p: p, into: rowsDst)
    }
}

/// Row p of a depth × width slab into panels of `panel` columns (each depth × panel, row-major, the one holding
/// column c0 at `dst + c0·depth`), widened to T; the last panel zero-filled past `width`.
@inline(__always)
func packRowIntoPanels<S: LinalgScalar, T: LinalgScalar>(
    _ src: UnsafePointer<S>, width: Int, panel: Int, depth: Int, p: Int, into dst: UnsafeMutablePointer<T>
) {
    var c0 = 0
    while c0 + panel <= width {
        widenRow(src + c0, into: dst + c0 * depth + p * panel, count: panel)
        c0 += panel
    }
    if c0 < width {
        let out = dst + c0 * depth + p * panel, here = width - c0
        widenRow(src + c0, into: out, count: here)
        for j in here..<panel { out[j] = 0 }
    }
}

/// dst[j] = T(src[j]) for j < count (exact for Float → Double and for same-type copies).
@inline(__always)
func widenRow<S: LinalgScalar, T: LinalgScalar>(_ src: UnsafePointer<S>, into dst: UnsafeMutablePointer<T>,
                                                count: Int) {
    if S.self == Float.self && T.self == Double.self {
        let s = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
        let d = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Double.self)
        var j = 0
        while j + 4 <= count {
            let v = UnsafeRawPointer(s + j).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(d + j).storeBytes(of: SIMD4<Double>(v), as: SIMD4<Double>.self)
            j += 4
        }
        while j < count { d[j] = Double(s[j]); j += 1 }
    } else if S.self == T.self {
        copyRow(from: UnsafeRawPointer(src).assumingMemoryBound(to: T.self), to: dst, count: count)
    } else {
        for j in 0..<count { dst[j] = T(src[j].asDouble) }
    }
}
