import GEMM
import LinearAlgebraCore

extension Linear {
    /// yᵢ = Wᵢ x + bᵢ for one token x (`inFeatures` values) and several linears on that same input (q, k, v; gate,
    /// up), in one parallel region — two when some are low-rank: first every tᵢ = Vᵢ x and every full-rank
    /// product, then every Uᵢ tᵢ. Each stage's matrices are cut into chunks of rows (``OneTokenChunks``) that the
    /// workers claim one at a time, so a worker that starts late (woken from its park, or descheduled on a busy
    /// machine) takes fewer chunks instead of holding the others at the stage's end, and every chunk streams its rows
    /// once.
    ///
    /// Each output is a 1 × outFeatures matrix, as ``forward(_:parallelism:)`` of a one-row input returns.
    /// `params.parallelGEMVFlopThreshold`: a group of fewer flops runs on the calling thread. `variant`: the product
    /// of the integer storages (``CausalLM/decodeProduct``).
    static func forwardOneToken(_ linears: [Linear], _ x: [Float], parallelism: Parallelism,
                                variant: WeightMatrix.GEMVVariant = .int8Input,
                                params: GEMMParams = Linear.gemmParams) -> [Matrix<Float>] {
        precondition(linears.allSatisfy { $0.inFeatures == x.count }, "Linear: input of \(x.count) values")
        // A small group (that of a tiny model) is not worth waking the workers for.
        let flops = linears.reduce(0) { $0 + $1.flops(rows: 1) }
        let threads = flops >= params.parallelGEMVFlopThreshold ? parallelism : .serial
        let factors = linears.map(\.factors)
        // One scratch buffer: every output (outFeatures each), then every low-rank intermediate t = V x (rank each).
        let outOffsets = prefixSums(linears.map(\.outFeatures))
        let tOffsets = prefixSums(factors.map { $0.v?.rows ?? 0 }).map { $0 + outOffsets.last! }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: tOffsets.last!) { scratch in
            let base = scratch.baseAddress!
            let lowRank = linears.indices.filter { factors[$0].v != nil }
            x.withUnsafeBufferPointer { xp in
                // Stage 1: V x of the low-rank linears, W x of the others.
                run(factors.map { $0.v ?? $0.u }, inputs: Array(repeating: xp.baseAddress!, count: linears.count),
                    outputs: linears.indices.map { base + (factors[$0].v != nil ? tOffsets[$0] : outOffsets[$0]) },
                    threads: threads, variant: variant)
            }
            // Stage 2: U t of the low-rank linears.
            if !lowRank.isEmpty {
                run(lowRank.map { factors[$0].u }, inputs: lowRank.map { UnsafePointer(base + tOffsets[$0]) },
                    outputs: lowRank.map { base + outOffsets[$0] }, threads: threads, variant: variant)
            }
            return linears.indices.map { i in
                var m = Matrix<Float>(rows: 1, cols: linears[i].outFeatures,
                                      elements: Array(UnsafeBufferPointer(start: base + outOffsets[i],
                                                                          count: linears[i].outFeatures)))
                if let b = linears[i].bias { m.addRowVector(b) }
                return m
            }
        }
    }

    /// [0, a₀, a₀ + a₁, …, Σa]: where each of a run of consecutive buffers starts, and the total at the end.
    private static func prefixSums(_ a: [Int]) -> [Int] {
        var s = [0]
        for v in a { s.append(s.last! + v) }
        return s
    }

    /// y_i = M_i x_i for every matrix of one stage. Each worker walks the matrices in order and claims chunks of
    /// each matrix's rows (``OneTokenChunks``) until none is left, preparing x for a matrix once (the integer
    /// storages round it) before its first chunk.
    private static func run(_ matrices: [WeightMatrix], inputs: [UnsafePointer<Float>],
                            outputs: [UnsafeMutablePointer<Float>], threads: Parallelism,
                            variant: WeightMatrix.GEMVVariant) {
        let workers = threads.threads
        guard workers > 1 else {
            for i in matrices.indices {
                matrices[i].gemv(inputs[i], into: outputs[i], variant: variant, params: Linear.gemmParams)
            }
            return
        }
        let chunks = OneTokenChunks(matrices, workers: workers)
        let counters = matrices.indices.map { TaskCounter(count: chunks.count(of: $0)) }
        threads.forEachTask(workers) { _, _ in
            for i in matrices.indices {
                guard var claimed = counters[i].claim() else { continue }
                var first = true
                matrices[i].gemv(inputs[i], claimingRows: {
                    if first {
                        first = false
                    } else {
                        guard let c = counters[i].claim() else { return nil }
                        claimed = c
                    }
                    return chunks.rows(of: i, chunk: claimed)
                }, into: outputs[i], variant: variant)
            }
        }
    }
}

/// The row chunks of one decode stage: each matrix cut into runs of rows (multiples of 16 but for the last) of about
/// a (4·workers)-th of the stage's stored bytes, at least 16 KB, so each worker claims several chunks (balance)
/// while each chunk still streams long enough to reach the memory bandwidth.
struct OneTokenChunks {
    /// Rows per chunk and rows of each matrix.
    private let rowsPerChunk: [Int], rowCounts: [Int]

    init(_ matrices: [WeightMatrix], workers: Int) {
        rowCounts = matrices.map(\.rows)
        let stageBytes = matrices.reduce(0) { $0 + $1.byteCount }
        let chunkBytes = Swift.max(16 << 10, stageBytes / (4 * Swift.max(1, workers)))
        rowsPerChunk = matrices.map { m in
            let rowBytes = Swift.max(1, m.byteCount / Swift.max(1, m.rows))
            return Swift.max(16, (chunkBytes / rowBytes + 15) / 16 * 16)
        }
    }

    /// Chunks of matrix i.
    func count(of i: Int) -> Int { (rowCounts[i] + rowsPerChunk[i] - 1) / rowsPerChunk[i] }

    /// Rows of chunk c of matrix i.
    func rows(of i: Int, chunk c: Int) -> Range<Int> {
        c * rowsPerChunk[i]..<Swift.min(rowCounts[i], (c + 1) * rowsPerChunk[i])
    }
}
