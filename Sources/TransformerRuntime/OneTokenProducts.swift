import GEMM
import LinearAlgebraCore

extension Linear {
    /// yᵢ = Wᵢ x + bᵢ for one token x (`inFeatures` values) and several linears on that same input (q, k, v; gate,
    /// up), in one parallel region — two when some are low-rank: first every tᵢ = Vᵢ x and every full-rank
    /// product, then every Uᵢ tᵢ. Worker w takes the w-th share of the rows of every matrix, so each share streams
    /// its rows of every weight once, and the threads meet once per stage instead of once per product.
    ///
    /// Each output is a 1 × outFeatures matrix, as ``forward(_:parallelism:)`` of a one-row input returns.
    /// `params.parallelGEMVFlopThreshold`: a group of fewer flops runs on the calling thread. `variant`: the product
    /// of the integer storages (``CausalLM/decodeProduct``).
    static func forwardOneToken(_ linears: [Linear], _ x: [Float], parallelism: Parallelism,
                                variant: WeightMatrix.GEMVVariant = .int8Input,
                                params: GEMMParams = Linear.gemmParams) -> [Matrix<Float>] {
        precondition(linears.allSatisfy { $0.inFeatures == x.count }, "Linear: input of \(x.count) values")
        var outputs = linears.map { [Float](repeating: 0, count: $0.outFeatures) }
        var intermediates = linears.map { $0.rank.map { [Float](repeating: 0, count: $0) } ?? [] }
        // A small group (that of a tiny model) is not worth waking the workers for.
        let flops = linears.reduce(0) { $0 + $1.flops(rows: 1) }
        let threads = flops >= params.parallelGEMVFlopThreshold ? parallelism : .serial
        let workers = threads.threads
        /// Rows of an m-row matrix that worker w takes: a multiple of 16 but for the last share.
        func share(_ m: Int, _ w: Int) -> Range<Int> {
            let units = (m + 15) / 16
            return Swift.min(m, w * units / workers * 16)..<Swift.min(m, (w + 1) * units / workers * 16)
        }
        x.withUnsafeBufferPointer { xp in
            // Stage 1: V x of the low-rank linears, W x of the others.
            threads.forEach(workers) { w in
                for (i, linear) in linears.enumerated() {
                    let (u, v) = linear.factors
                    let m = v ?? u
                    let rows = share(m.rows, w)
                    guard !rows.isEmpty else { continue }
                    if v != nil {
                        intermediates[i].withUnsafeMutableBufferPointer {
                            m.gemv(xp.baseAddress!, rows: rows, into: $0.baseAddress! + rows.lowerBound, variant: variant,
                                   params: Linear.gemmParams)
                        }
                    } else {
                        outputs[i].withUnsafeMutableBufferPointer {
                            m.gemv(xp.baseAddress!, rows: rows, into: $0.baseAddress! + rows.lowerBound, variant: variant,
                                   params: Linear.gemmParams)
                        }
                    }
                }
            }
        }
        // Stage 2: U t of the low-rank linears.
        if linears.contains(where: { $0.rank != nil }) {
            threads.forEach(workers) { w in
                for (i, linear) in linears.enumerated() where linear.rank != nil {
                    let u = linear.factors.u
                    let rows = share(u.rows, w)
                    guard !rows.isEmpty else { continue }
                    intermediates[i].withUnsafeBufferPointer { t in
                        outputs[i].withUnsafeMutableBufferPointer {
                            u.gemv(t.baseAddress!, rows: rows, into: $0.baseAddress! + rows.lowerBound, variant: variant,
                                   params: Linear.gemmParams)
                        }
                    }
                }
            }
        }
        return zip(linears, outputs).map { linear, y in
            var m = Matrix<Float>(rows: 1, cols: y.count, elements: y)
            if let b = linear.bias { m.addRowVector(b) }
            return m
        }
    }
}
