import LinearAlgebraCore

extension GGUFFile {
    /// Tensor `name` decoded to Float as a rows × cols matrix: cols = dims[0] (the fastest axis),
    /// rows = the product of the other axes (a 1-D tensor becomes 1 × n). For a 2-D weight stored by
    /// llama.cpp this is PyTorch's `weight` layout (out_features × in_features).
    public func dequantize(_ name: String, variant: DequantizeVariant = .simd,
                           parallelism: Parallelism = .serial) throws(FormatError) -> Matrix<Float> {
        let info = try requireTensor(name)
        return try dequantizeRows(info, rows: 0..<info.rows, variant: variant, parallelism: parallelism)
    }

    /// Rows `rows` of tensor `name` (e.g. a few embedding rows without decoding the whole table).
    public func dequantizeRows(_ name: String, rows: Range<Int>, variant: DequantizeVariant = .simd,
                               parallelism: Parallelism = .serial) throws(FormatError) -> Matrix<Float> {
        try dequantizeRows(try requireTensor(name), rows: rows, variant: variant, parallelism: parallelism)
    }

    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>, variant: DequantizeVariant = .simd,
                               parallelism: Parallelism = .serial) throws(FormatError) -> Matrix<Float> {
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw FormatError.invalid(file: url.path, field: "tensor '\(info.name)'",
                                      reason: "rows \(rows) outside 0..<\(info.rows)")
        }
        guard let kernel = Dequantize.kernel(for: info.type, variant: variant) else {
            throw FormatError.unsupported(file: url.path, field: "tensor '\(info.name)'.type",
                                          value: "\(info.type) (no dequantization kernel)")
        }
        let cols = info.cols, rowBytes = info.rowBytes, blocksPerRow = cols / info.type.blockSize
        let data = tensorData(info)
        let count = rows.count * cols
        // rows.count × cols, row-major; every element is written by the kernel below.
        let elements = [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            if count > 0, let src = data.baseAddress, let dst = buf.baseAddress {
                nonisolated(unsafe) let dst = dst
                // Chunks of ≥ 64 KiB of output per task keep the scheduling cost negligible.
                let granule = Swift.max(1, 16_384 / Swift.max(1, cols))
                parallelism.forEachRange(rows.count, granule: granule) { r in
                    kernel(src + (rows.lowerBound + r.lowerBound) * rowBytes, dst + r.lowerBound * cols,
                           r.count * blocksPerRow)
                }
            }
            initialized = count
        }
        return Matrix(rows: rows.count, cols: cols, elements: elements)
    }
}
