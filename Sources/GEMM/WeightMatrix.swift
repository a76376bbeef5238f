import LinearAlgebraCore

/// A weight matrix W (out × in, PyTorch's convention) in one of the ``WeightStorage`` kinds, and its product with
/// a batch of inputs:
///
///     C ← X Wᵀ + β·C        X: tokens × in,   C: tokens × out
///
/// One token (decode) is a GEMV that reads each stored weight once and widens it in registers
/// (``WeightMatrix/gemv(_:into:beta:variant:parallelism:params:)``); more tokens (prefill) dequantize W in panels of
/// rows into a scratch buffer and multiply each panel with the blocked GEMM, so the f32 copy never exceeds one panel.
public enum WeightMatrix: Sendable, Equatable {
    case f32(Matrix<Float>)
    case half(HalfMatrix)
    case q8(BlockQ8Matrix)
    case int4(GroupQuantizedMatrix)
    /// 2, 3 or 8 bits on a per-(row, group) grid (GPTQ / round-to-nearest at the other widths).
    case packedCodes(PackedCodeMatrix)
    /// Stored bytes read through a decoder (a mapped tensor in its file's type), rows widened as products need them.
    case decoded(DecodedMatrix)

    /// `m` in `storage` (f32, f16, bf16 or q8; int2…int8 need a quantizer's grid).
    public init(_ m: Matrix<Float>, storage: WeightStorage) {
        switch storage {
        case .f32: self = .f32(m)
        case .f16: self = .half(HalfMatrix(m, format: .f16))
        case .bf16: self = .half(HalfMatrix(m, format: .bf16))
        case .q8: self = .q8(BlockQ8Matrix(m))
        case .int4, .int2, .int3, .int8:
            preconditionFailure("WeightMatrix: \(storage) needs a quantizer's grid (GroupQuantizedMatrix, PackedCodeMatrix)")
        case .mapped: preconditionFailure("WeightMatrix: mapped storage needs a file's tensor (DecodedMatrix)")
        }
    }

    public var rows: Int {
        switch self {
        case let .f32(m): return m.rows
        case let .half(m): return m.rows
        case let .q8(m): return m.rows
        case let .int4(m): return m.rows
        case let .packedCodes(m): return m.rows
        case let .decoded(m): return m.rows
        }
    }

    public var cols: Int {
        switch self {
        case let .f32(m): return m.cols
        case let .half(m): return m.cols
        case let .q8(m): return m.cols
        case let .int4(m): return m.cols
        case let .packedCodes(m): return m.cols
        case let .decoded(m): return m.cols
        }
    }

    public var storage: WeightStorage {
        switch self {
        case .f32: return .f32
        case let .half(m): return m.format == .f16 ? .f16 : .bf16
        case .q8: return .q8
        case .int4: return .int4
        case let .packedCodes(m): return m.bits == 2 ? .int2 : m.bits == 3 ? .int3 : .int8
        case .decoded: return .mapped
        }
    }

    /// Bytes held in memory (and read by one GEMV).
    public var byteCount: Int {
        switch self {
        case let .f32(m): return 4 * m.elements.count
        case let .half(m): return m.byteCount
        case let .q8(m): return m.byteCount
        case let .int4(m): return m.byteCount
        case let .packedCodes(m): return m.byteCount
        case let .decoded(m): return m.decoder.byteCount
        }
    }

    /// The f32 matrix itself when stored as f32.
    public var float32: Matrix<Float>? {
        if case let .f32(m) = self { return m }
        return nil
    }

    /// W as f32 (a copy unless stored as f32).
    public func dequantized() -> Matrix<Float> {
        if case let .f32(m) = self { return m }
        return dequantized(rows: 0..<rows)
    }

    /// Rows `r` of W as f32, (r.count × cols).
    public func dequantized(rows r: Range<Int>) -> Matrix<Float> {
        var out = Matrix<Float>(rows: r.count, cols: cols)
        out.elements.withUnsafeMutableBufferPointer { dequantizeRows(r, into: $0.baseAddress!, ld: cols) }
        return out
    }

    /// Rows `r` widened into `out` (r.count × cols, row stride `ld`).
    public func dequantizeRows(_ r: Range<Int>, into out: UnsafeMutablePointer<Float>, ld: Int) {
        switch self {
        case let .f32(m):
            m.elements.withUnsafeBufferPointer { e in
                for (k, i) in r.enumerated() { (out + k * ld).update(from: e.baseAddress! + i * m.cols, count: m.cols) }
            }
        case let .half(m): m.dequantizeRows(r, into: out, ld: ld)
        case let .q8(m): m.dequantizeRows(r, into: out, ld: ld)
        case let .int4(m): m.dequantizeRows(r, into: out, ld: ld)
        case let .packedCodes(m): m.dequantizeRows(r, into: out, ld: ld)
        case let .decoded(m): m.decoder.decodeRows(r, into: out, ld: ld)
        }
    }

    /// Which implementation of the one-token product runs.
    public enum GEMVVariant: String, Sendable, CaseIterable {
        /// One weight at a time, scalar: the reference every other variant is tested against.
        case reference
        /// SIMD: weights widened in registers, four rows sharing each load of x.
        case simd
        /// The integer storages (q8, int4): x rounded to 8 bits in blocks of 32 (``Int8Input``), then integer dot
        /// products (AVX-512 VNNI where the build target has it) — the decode product of llama.cpp's quantized
        /// types, about 2⁻⁸ relative from ``simd``. The float storages run ``simd``.
        case int8Input
    }

    /// y ← W x + β·y for one input x (`cols` values) into y (`rows` values); the rows are split over `parallelism`
    /// when the product has at least `params.parallelGEMVFlopThreshold` flops.
    ///
    /// `rows`: only these rows of W (y then holds rows.count values: y[0] is row rows.lowerBound).
    public func gemv(_ x: UnsafePointer<Float>, rows range: Range<Int>? = nil, into y: UnsafeMutablePointer<Float>,
                     beta: Float = 0, variant: GEMVVariant = .simd, parallelism: Parallelism = .serial,
                     params: GEMMParams = .default) {
        gemv(x, rows: range, claiming: nil, into: y, beta: beta, variant: variant, parallelism: parallelism,
             params: params)
    }

    /// y[r] ← W[r] x + β·y[r] for every run of rows r that `next` hands out (until it returns nil), on the calling
    /// thread, with x prepared once for all of them (the integer storages' rounded input): the rows a worker claims
    /// in a decode step. y holds `rows` values (y[j] is row j).
    public func gemv(_ x: UnsafePointer<Float>, claimingRows next: () -> Range<Int>?, into y: UnsafeMutablePointer<Float>,
                     beta: Float = 0, variant: GEMVVariant = .simd) {
        withoutActuallyEscaping(next) { next in
            gemv(x, rows: nil, claiming: next, into: y, beta: beta, variant: variant, parallelism: .serial,
                 params: .default)
        }
    }

    private func gemv(_ x: UnsafePointer<Float>, rows range: Range<Int>?, claiming next: (() -> Range<Int>?)?,
                      into y: UnsafeMutablePointer<Float>, beta: Float, variant: GEMVVariant, parallelism: Parallelism,
                      params: GEMMParams) {
        let range = range ?? 0..<rows
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "WeightMatrix.gemv: rows \(range) of \(rows)")
        if range.isEmpty { return }
        let y = y - range.lowerBound  // the kernels write y[j] for row j
        let threads = next == nil && 2 * Double(range.count) * Double(cols) >= params.parallelGEMVFlopThreshold
            ? parallelism : .serial
        let granule = 16
        /// `body` on parts of `range` (each a multiple of the granule, but for the last), over the threads; or on
        /// the runs `next` hands out.
        func split(_ body: (Range<Int>) -> Void) {
            if let next {
                while let r = next() { body(r) }
                return
            }
            threads.forEachRange(range.count, granule: granule) { body(range.lowerBound + $0.lowerBound..<range.lowerBound + $0.upperBound) }
        }
        /// `body` on `range` at once, or on the runs `next` hands out.
        func whole(_ body: (Range<Int>) -> Void) {
            if let next {
                while let r = next() { body(r) }
            } else {
                body(range)
            }
        }
        if variant == .int8Input {
            // Matched on self alone: a (self, variant) tuple is a copy of the matrix, its arrays retained by every
            // worker of a decode step at once.
            switch self {
            case let .q8(m):
                BlockQ8DotInput.with(m, x: x) { input in split { blockQ8DotGEMV(m, input: input, rows: $0, y: y, beta: beta) } }
                return
            case let .int4(m):
                GroupQuantizedDotInput.with(m, x: x) { input in
                    split {
                        if groupQuantizedGEMVSupports(m) {
                            groupQuantizedDotGEMV(m, input: input, rows: $0, y: y, beta: beta)
                        } else {
                            groupQuantizedDotGEMV_ref(m, input: input, rows: $0, y: y, beta: beta)
                        }
                    }
                }
                return
            default:
                break
            }
        }
        switch (self, variant) {
        case let (.f32(m), _):
            m.withView { w in
                whole { range in
                    gemm(.none, MatrixView(base: x, rows: 1, cols: cols, rowStride: cols), .transposed,
                         w.block(rows: range, cols: 0..<cols),
                         into: MutableMatrixView(base: y + range.lowerBound, rows: 1, cols: range.count,
                                                 rowStride: range.count),
                         alpha: 1, beta: beta, variant: variant == .reference ? .naive : .parallel, parallelism: threads,
                         params: params)
                }
            }
        case let (.half(m), .reference):
            whole { halfGEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
        case let (.half(m), .simd), let (.half(m), .int8Input):
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m.cols) { xd in
                if halfGEMVReadsDeinterleavedInput(m.format) { halfDeinterleavedInput(cols: m.cols, x: x, into: xd.baseAddress!) }
                let xdp = UnsafePointer(xd.baseAddress!)
                split { halfGEMV(m, x: x, deinterleaved: xdp, rows: $0, y: y, beta: beta) }
            }
        case let (.q8(m), .reference):
            whole { blockQ8GEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
        case let (.q8(m), .simd), let (.q8(m), .int8Input):
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m.blocksPerRow * BlockQ8Matrix.blockSize) { xk in
                blockQ8Input(m, x: x, into: xk.baseAddress!)
                let xp = UnsafePointer(xk.baseAddress!)
                split { blockQ8GEMV(m, prepared: xp, rows: $0, y: y, beta: beta) }
            }
        case let (.int4(m), .reference):
            whole { groupQuantizedGEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
        case let (.int4(m), .simd), let (.int4(m), .int8Input):
            guard groupQuantizedGEMVSupports(m) else {
                split { groupQuantizedGEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m.wordsPerRow * 8) { buf in
                groupQuantizedInput(m, x: x, xk: buf.baseAddress!)
                let xk = UnsafePointer(buf.baseAddress!)
                split { groupQuantizedGEMV(m, prepared: xk, rows: $0, y: y, beta: beta) }
            }
        case let (.packedCodes(m), .reference):
            whole { packedCodeGEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
        case let (.packedCodes(m), .simd), let (.packedCodes(m), .int8Input):
            guard packedCodeGEMVSupports(m) else {
                split { packedCodeGEMV_ref(m, x: x, rows: $0, y: y, beta: beta) }
                return
            }
            let padded = m.wordRows / GPTQWordPacking.wordsPerChunk(bits: m.bits) * GPTQWordPacking.codesPerChunk(bits: m.bits)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: padded) { buf in
                packedCodeInput(m, x: x, into: buf.baseAddress!)
                let xs = UnsafePointer(buf.baseAddress!)
                split { packedCodeGEMV(m, prepared: xs, rows: $0, y: y, beta: beta) }
            }
        case let (.decoded(m), _):
            split { m.gemv(x: x, rows: $0, y: y, beta: beta, params: params) }
        }
    }

    /// Rows of W dequantized at a time by the many-token product: enough to amortize packing X, small enough that
    /// every worker's panel (panelRows × cols Floats) stays in L2.
    static let panelRows = 128

    /// C ← X W[r]ᵀ + β·C for X tokens × cols and the rows `r` of W (all when nil), C tokens × r.count.
    public func multiply(_ x: MatrixView<Float>, rows r: Range<Int>? = nil, into c: MutableMatrixView<Float>, beta: Float,
                         parallelism: Parallelism = .serial, params: GEMMParams = .default) {
        let r = r ?? 0..<rows
        precondition(x.cols == cols && c.rows == x.rows && c.cols == r.count && r.upperBound <= rows,
                     "WeightMatrix: \(x.rows)×\(x.cols) input, \(c.rows)×\(c.cols) output for rows \(r) of a \(rows)×\(cols) weight")
        if case let .f32(m) = self {
            m.withView {
                gemm(.none, x, .transposed, $0.block(rows: r, cols: 0..<cols), into: c, alpha: 1, beta: beta,
                     parallelism: parallelism, params: params)
            }
            return
        }
        if x.rows == 1 && r == 0..<rows {  // one row: x is contiguous, and so is C's row
            gemv(x.base, into: c.base, beta: beta, parallelism: parallelism, params: params)
            return
        }
        let panels = (r.count + Self.panelRows - 1) / Self.panelRows
        parallelism.forEachTask(panels) { panel, _ in
            let r0 = r.lowerBound + panel * Self.panelRows, r1 = Swift.min(r.upperBound, r0 + Self.panelRows)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: (r1 - r0) * cols) { buf in
                let w = buf.baseAddress!  // (r1 − r0) × cols
                dequantizeRows(r0..<r1, into: w, ld: cols)
                gemm(.none, x, .transposed, MatrixView(base: w, rows: r1 - r0, cols: cols, rowStride: cols),
                     into: MutableMatrixView(base: c.base + (r0 - r.lowerBound), rows: c.rows, cols: r1 - r0,
                                             rowStride: c.rowStride),
                     alpha: 1, beta: beta, parallelism: .serial, params: params)
            }
        }
    }
}

extension WeightMatrix {
    /// Gives a mapped matrix's stored pages back to the kernel (``RowDecoder/releasePages()``); a no-op for the
    /// storages held in memory.
    public func releasePages() {
        if case let .decoded(m) = self { m.decoder.releasePages() }
    }

    /// Calls `body` with each buffer this matrix stores (values, codes, scales, …): what a product streams from memory.
    public func withStoredBuffers(_ body: (UnsafeRawBufferPointer) -> Void) {
        switch self {
        case let .f32(m): m.elements.withUnsafeBytes(body)
        case let .half(m): m.bits.withUnsafeBytes(body)
        case let .q8(m):
            m.codes.withUnsafeBytes(body)
            m.scales.withUnsafeBytes(body)
        case let .int4(m):
            m.words.withUnsafeBytes(body)
            m.scales.withUnsafeBytes(body)
            m.zeros.withUnsafeBytes(body)
            m.scaledZeros.withUnsafeBytes(body)
        case let .packedCodes(m):
            m.words.withUnsafeBytes(body)
            m.scales.withUnsafeBytes(body)
            m.zeros.withUnsafeBytes(body)
        case let .decoded(m): m.decoder.withStoredBytes(body)
        }
    }
}

extension WeightMatrix {
    /// A rows × cols matrix in `storage` built `chunkRows` rows at a time: `fill(range, out)` writes rows `range`
    /// as f32 into `out` (range.count × cols), which is converted and dropped before the next chunk. The f32 copy
    /// never exceeds one chunk (the token embedding, a fifth of a small model, loads without a whole f32 copy).
    public init(rows: Int, cols: Int, storage: WeightStorage, chunkRows: Int = 1024,
                fill: (Range<Int>, UnsafeMutablePointer<Float>) throws -> Void) rethrows {
        if storage == .f32 {
            var m = Matrix<Float>(rows: rows, cols: cols)
            try m.elements.withUnsafeMutableBufferPointer { try fill(0..<rows, $0.baseAddress!) }
            self = .f32(m)
            return
        }
        precondition(WeightStorage.convertible.contains(storage), "WeightMatrix: \(storage) cannot be made from f32 rows")
        var parts: [WeightMatrix] = []
        for r0 in stride(from: 0, to: rows, by: Swift.max(1, chunkRows)) {
            let r = r0..<Swift.min(rows, r0 + Swift.max(1, chunkRows))
            var chunk = Matrix<Float>(rows: r.count, cols: cols)
            try chunk.elements.withUnsafeMutableBufferPointer { try fill(r, $0.baseAddress!) }
            parts.append(WeightMatrix(chunk, storage: storage))
        }
        switch storage {
        case .f16, .bf16:
            let halves = parts.map { p -> HalfMatrix in if case let .half(h) = p { return h }; fatalError() }
            self = .half(HalfMatrix(rows: rows, cols: cols, format: halves.first?.format ?? (storage == .f16 ? .f16 : .bf16),
                                    bits: halves.flatMap(\.bits)))
        case .q8:
            let q = parts.map { p -> BlockQ8Matrix in if case let .q8(m) = p { return m }; fatalError() }
            self = .q8(BlockQ8Matrix(rows: rows, cols: cols, codes: q.flatMap(\.codes), scales: q.flatMap(\.scales)))
        case .f32, .int2, .int3, .int4, .int8, .mapped:
            fatalError("unreachable")
        }
    }
}
