import LinearAlgebraCore

/// Round-to-nearest (RTN) quantization: each weight of W (out × in) goes to the nearest point of its group's
/// min/max grid (``QuantizationGrid``), with no error feedback,
///
///     grid(r, g) = fit(W[r, g·s ..< (g+1)·s]),   q[r, c] = grid(r, c / s).code(W[r, c]),
///
/// s = `format.groupSize` consecutive input columns (the whole row when −1). The baseline GPTQ is compared with.
///
/// - Parameters: `name` names `w` in errors; rows are split over `parallelism`.
/// - Throws: ``QuantizationError`` for an unsupported format (naming `format.bits` / `format.groupSize`), a group
///   size that does not divide the columns, or a non-finite weight (naming `name`).
public func roundToNearest(_ w: Matrix<Float>, format: QuantizationFormat = .default, name: String = "weight",
                           parallelism: Parallelism = .serial) throws(QuantizationError) -> QuantizedWeights {
    try format.validate(columns: w.cols, tensor: name)
    try checkFinite(w, tensor: name)
    let (rows, cols) = (w.rows, w.cols)
    let size = format.columnsPerGroup(columns: cols), groups = format.groupCount(columns: cols)
    var codes = [UInt8](repeating: 0, count: rows * cols)
    var scales = [Float](repeating: 0, count: rows * groups), zeros = scales
    w.elements.withUnsafeBufferPointer { wp in
        codes.withUnsafeMutableBufferPointer { cp in
            scales.withUnsafeMutableBufferPointer { sp in
                zeros.withUnsafeMutableBufferPointer { zp in
                    parallelism.forEachRange(rows, granule: 8) { range in
                        for r in range {
                            for g in 0..<groups {
                                let start = r * cols + g * size
                                let grid = QuantizationGrid(fitting: UnsafeBufferPointer(rebasing: wp[start..<start + size]),
                                                            bits: format.bits, symmetric: format.symmetric)
                                sp[r * groups + g] = grid.scale
                                zp[r * groups + g] = grid.zero
                                for k in start..<start + size { cp[k] = UInt8(grid.code(wp[k])) }
                            }
                        }
                    }
                }
            }
        }
    }
    return QuantizedWeights(rows: rows, cols: cols, bits: format.bits, groupSize: format.groupSize,
                            symmetric: format.symmetric, codes: codes, scales: scales, zeros: zeros)
}
