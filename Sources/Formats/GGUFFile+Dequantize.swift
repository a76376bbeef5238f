import LinearAlgebraCore

extension GGUFFile {
    /// Tensor `name` decoded to Float as a rows × cols matrix: cols = dims[0] (the fastest axis),
    /// rows = the product of the other axes (a 1-D tensor becomes 1 × n). For a 2-D weight stored by
    /// llama.cpp this is PyTorch's `weight` layout (out_features × in_features).
    public func dequantize(_ name: String, variant: DequantizeVariant = .simd, parallelism: Parallelism = .serial,
                           params: DequantizeParams = .default) throws(FormatError) -> Matrix<Float> {
        let info = try requireTensor(name)
        return try dequantizeRows(info, rows: 0..<info.rows, variant: variant, parallelism: parallelism, params: params)
    }

    /// Rows `rows` of tensor `name` (e.g. a few embedding rows without decoding the whole table).
    public func dequantizeRows(_ name: String, rows: Range<Int>, variant: DequantizeVariant = .simd,
                               parallelism: Parallelism = .serial,
                               params: DequantizeParams = .default) throws(FormatError) -> Matrix<Float> {
        try dequantizeRows(try requireTensor(name), rows: rows, variant: variant, parallelism: parallelism,
                           params: params)
    }

    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>, variant: DequantizeVariant = .simd,
                               parallelism: Parallelism = .serial,
                               params: DequantizeParams = .default) throws(FormatError) -> Matrix<Float> {
        try checkRows(info, rows)  // before allocating rows.count × cols
        let count = rows.count * info.cols
        var failure: FormatError?
        // rows.count × cols, row-major; every element is written by the kernel (or the array is discarded).
        let elements = [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            do throws(FormatError) {
                try dequantizeRows(info, rows: rows, into: buf, variant: variant, parallelism: parallelism,
                                   params: params)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return Matrix(rows: rows.count, cols: info.cols, elements: elements)
    }

    /// Decodes rows `rows` of `info` into `out` (exactly rows.count · cols Floats, row-major), for callers
    /// that reuse one buffer across tensors.
    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>,
                               into out: UnsafeMutableBufferPointer<Float>, variant: DequantizeVariant = .simd,
                               parallelism: Parallelism = .serial,
                               params: DequantizeParams = .default) throws(FormatError) {
        guard owns(info) else {
            throw FormatError.invalid(file: url.path, field: "tensor '\(info.name)'",
                                      reason: "not a tensor of this file")
        }
        try checkRows(info, rows)
        guard let kernel = Dequantize.kernel(for: info.type, variant: variant) else {
            throw FormatError.unsupported(file: url.path, field: "tensor '\(info.name)'.type",
                                          value: "\(info.type) (no dequantization kernel)")
        }
        let cols = info.cols, rowBytes = info.rowBytes, blocksPerRow = cols / info.type.blockSize
        guard out.count == rows.count * cols else {
            throw FormatError.invalid(file: url.path, field: "tensor '\(info.name)'",
                                      reason: "output buffer holds \(out.count) elements, need \(rows.count * cols)")
        }
        let data = tensorData(info)
        guard out.count > 0, let src = data.baseAddress, let dst = out.baseAddress else { return }
        nonisolated(unsafe) let dst2 = dst
        let granule = Swift.max(1, params.elementsPerTask / Swift.max(1, cols))
        parallelism.forEachRange(rows.count, granule: granule) { r in
            // Rows are stored back to back, so a run of rows is a run of blocks.
            kernel(src + (rows.lowerBound + r.lowerBound) * rowBytes, dst2 + r.lowerBound * cols,
                   r.count * blocksPerRow)
        }
    }

    /// Throws unless `rows` lie inside `info`'s rows.
    private func checkRows(_ info: GGUFTensorInfo, _ rows: Range<Int>) throws(FormatError) {
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw FormatError.invalid(file: url.path, field: "tensor '\(info.name)'",
                                      reason: "rows \(rows) outside 0..<\(info.rows)")
        }
    }
}
