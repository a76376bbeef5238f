import Foundation
import GEMM
import LinearAlgebraCore

/// Causal scaled dot-product attention with grouped-query heads, over keys/values of positions 0..<p₀+T.
///
/// For query row t (absolute position p = p₀ + t) and head h, with key/value head g = h / (heads / kvHeads):
///
///     sⱼ = scale · q_{t,h} · k_{j,g}          (j ≤ p, and j > p − window for sliding-window layers)
///     sⱼ ← c · tanh(sⱼ / c)                   (optional soft cap c)
///     out_{t,h} = Σⱼ softmax(s)ⱼ · v_{j,g}
///
/// The GEMM form works on tasks (key/value head g, block of `Params.queryBlock` query rows): the queries of the
/// block for the heads/kvHeads heads that share g are stacked into one (group·rows) × D matrix, so one product
/// S = scale·Q Kᵀ covers them, only against the keys the block can see (a causal prefill of T tokens costs
/// ≈ T²·D·(½ + block/2T) per product); then each row's masked softmax, and O_h = P_h V per head, written
/// straight into the output columns of head h. Tasks go to the workers heaviest first (later blocks see more
/// keys), one at a time. One query row (decoding) takes ``decode(q:keys:values:heads:kvHeads:headDim:position:window:scale:softcap:out:parallelism:)``:
/// the keys split into chunks over the threads, each chunk read once for the heads that share it.
public enum Attention {
    public struct Params: Sendable, Equatable {
        /// Query rows per score block.
        public var queryBlock: Int = 64
        public init(queryBlock: Int = 64) { self.queryBlock = queryBlock }
        public static let `default` = Params()
    }

    /// Which attention implementation: the blocked GEMM form or the per-element reference.
    public enum Variant: String, Sendable, CaseIterable {
        case naive, gemm
    }

    /// q: T × heads·D (rotary applied); keys, values: at least p₀+T rows × kvHeads·D. Returns T × heads·D.
    public static func forward(
        q: Matrix<Float>, keys: Matrix<Float>, values: Matrix<Float>, heads: Int, kvHeads: Int, headDim d: Int,
        firstPosition p0: Int, window: Int?, scale: Float, softcap: Float?,
        variant: Variant = .gemm, parallelism: Parallelism = .serial, params: Params = .default
    ) -> Matrix<Float> {
        let t = q.rows, kvWidth = kvHeads * d
        precondition(q.cols == heads * d && keys.cols == kvWidth && values.cols == kvWidth)
        precondition(keys.rows >= p0 + t && values.rows >= p0 + t && heads % kvHeads == 0)
        let group = heads / kvHeads
        if t == 1 && variant == .gemm {
            return Matrix.filling(rows: 1, cols: heads * d) { out in
                q.elements.withUnsafeBufferPointer { qp in
                    keys.withView { kv in
                        values.withView { vv in
                            decode(q: qp.baseAddress!, keys: kv, values: vv, heads: heads, kvHeads: kvHeads, headDim: d,
                                   position: p0, window: window, scale: scale, softcap: softcap, out: out,
                                   parallelism: parallelism)
                        }
                    }
                }
            }
        }
        // Small problems stay on this thread: a fork costs more than the work.
        let threads = t * (p0 + t) >= 4096 ? parallelism : .serial
        return Matrix.filling(rows: t, cols: heads * d) { outBase in  // T × heads·D, every element written
            let ov = MutableMatrixView(base: outBase, rows: t, cols: heads * d, rowStride: heads * d)
            q.withView { qv in
                keys.withView { kv in
                    values.withView { vv in
                        switch variant {
                        case .naive:
                            threads.forEach(heads) { h in
                                let g = h / group
                                headNaive(qv.block(rows: 0..<t, cols: h * d..<(h + 1) * d),
                                          kv.block(rows: 0..<p0 + t, cols: g * d..<(g + 1) * d),
                                          vv.block(rows: 0..<p0 + t, cols: g * d..<(g + 1) * d),
                                          ov.block(rows: 0..<t, cols: h * d..<(h + 1) * d),
                                          p0: p0, window: window, scale: scale, softcap: softcap)
                            }
                        case .gemm:
                            let block = Swift.max(1, params.queryBlock), blocks = (t + block - 1) / block
                            // Heaviest first: the last query block sees the most keys.
                            let tasks = (0..<blocks).reversed().flatMap { b in (0..<kvHeads).map { g in (g, b) } }
                            threads.forEachTask(tasks.count) { i, _ in
                                let (g, b) = tasks[i]
                                groupBlockGEMM(q: qv, k: kv, v: vv, o: ov, kvHead: g, group: group, headDim: d,
                                               rows: b * block..<Swift.min(t, (b + 1) * block), p0: p0,
                                               window: window, scale: scale, softcap: softcap)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The keys query position p sees: max(0, p − window + 1) ... p.
    @inlinable static func visible(_ p: Int, window: Int?) -> ClosedRange<Int> {
        (window.map { Swift.max(0, p - $0 + 1) } ?? 0)...p
    }

    /// One task: query rows `rows` of the `group` heads that share key/value head g.
    ///
    ///     Q_s = [Q_{rows, h₀}; …; Q_{rows, h₀+group−1}]     (group·rows) × D, stacked by head
    ///     S = scale · Q_s K_{keys, g}ᵀ                       keys = the span any of the rows sees
    ///     P = masked softmax of each row of S;  O_{rows, h} = P_h V_{keys, g}
    static func groupBlockGEMM(q: MatrixView<Float>, k: MatrixView<Float>, v: MatrixView<Float>,
                               o: MutableMatrixView<Float>, kvHead g: Int, group: Int, headDim d: Int,
                               rows: Range<Int>, p0: Int, window: Int?, scale: Float, softcap: Float?) {
        let n = rows.count, m = group * n
        let keys = visible(p0 + rows.lowerBound, window: window).lowerBound..<p0 + rows.upperBound
        let span = keys.count, heads = g * group..<(g + 1) * group
        withUnsafeTemporaryAllocation(of: Float.self, capacity: m * d + m * span) { buffer in
            let qs = MutableMatrixView(base: buffer.baseAddress!, rows: m, cols: d, rowStride: d)  // m × D
            let s = MutableMatrixView(base: buffer.baseAddress! + m * d, rows: m, cols: span, rowStride: span)  // m × span
            let kg = k.block(rows: keys, cols: g * d..<(g + 1) * d), vg = v.block(rows: keys, cols: g * d..<(g + 1) * d)
            if n == 1 {
                // Decoding: one GEMV per head reads K in place (a stacked GEMM would pack all of K per token).
                for (i, h) in heads.enumerated() {
                    gemm(.none, q.block(rows: rows, cols: h * d..<(h + 1) * d), .transposed, kg,
                         into: s.block(rows: i..<i + 1, cols: 0..<span), alpha: scale, beta: 0, variant: .blocked)
                }
            } else {
                for (i, h) in heads.enumerated() {
                    qs.block(rows: i * n..<(i + 1) * n, cols: 0..<d).copy(from: q.block(rows: rows, cols: h * d..<(h + 1) * d))
                }
                gemm(.none, qs.readOnly, .transposed, kg, into: s, alpha: scale, beta: 0, variant: .blocked)
            }
            for r in 0..<m {
                let seen = visible(p0 + rows.lowerBound + r % n, window: window)
                softmaxRow(s.base + r * span, count: span,
                           visible: (seen.lowerBound - keys.lowerBound)...(seen.upperBound - keys.lowerBound),
                           softcap: softcap)
            }
            for (i, h) in heads.enumerated() {
                gemm(.none, s.readOnly.block(rows: i * n..<(i + 1) * n, cols: 0..<span), .none, vg,
                     into: o.block(rows: rows, cols: h * d..<(h + 1) * d), alpha: 1, beta: 0, variant: .blocked)
            }
        }
    }

    /// Soft-caps and exponentiates row[visible] in place, normalizes to sum 1, zeroes the rest of the row.
    @inlinable static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, visible: ClosedRange<Int>,
                                      softcap: Float?) {
        let first = row + visible.lowerBound, n = visible.count
        if let c = softcap {
            for j in 0..<n { first[j] = c * Foundation.tanh(first[j] / c) }
        }
        let sum = VectorMath.expShifted(first, count: n, shift: VectorMath.maximum(first, count: n))
        VectorMath.scale(first, by: Float(1 / sum), count: n)
        row.update(repeating: 0, count: visible.lowerBound)
        let after = visible.upperBound + 1
        if after < count { (row + after).update(repeating: 0, count: count - after) }
    }

    /// The reference: one query row at a time, dot products and sums in loops.
    static func headNaive(_ q: MatrixView<Float>, _ k: MatrixView<Float>, _ v: MatrixView<Float>,
                          _ o: MutableMatrixView<Float>, p0: Int, window: Int?, scale: Float, softcap: Float?) {
        let d = q.cols
        var row = [Float](repeating: 0, count: k.rows)
        for t in 0..<q.rows {
            let range = visible(p0 + t, window: window)
            for j in range {
                var dot: Float = 0
                for x in 0..<d { dot += q[t, x] * k[j, x] }
                row[j] = scale * dot
            }
            row.withUnsafeMutableBufferPointer { softmaxRow($0.baseAddress!, count: range.upperBound + 1,
                                                            visible: range, softcap: softcap) }
            for x in 0..<d {
                var acc: Float = 0
                for j in range { acc += row[j] * v[j, x] }
                o[t, x] = acc
            }
        }
    }
}
