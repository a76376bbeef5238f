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
/// Scores are computed by GEMM per head, in blocks of `Params.queryBlock` query rows so that each block only
/// multiplies the keys it can see (a causal prefill of T tokens costs ≈ T²·D·(½ + block/2T) per product).
public enum Attention {
    public struct Params: Sendable, Equatable {
        /// Query rows per score block.
        public var queryBlock: Int = 128
        public init(queryBlock: Int = 128) { self.queryBlock = queryBlock }
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
        var out = Matrix<Float>(rows: t, cols: heads * d)  // T × heads·D
        let group = heads / kvHeads
        q.withView { qv in
            keys.withView { kv in
                values.withView { vv in
                    out.withMutableView { ov in
                        // Small problems (decode) stay on this thread: a fork costs more than the work.
                        let threads = t * (p0 + t) >= 4096 ? parallelism : .serial
                        threads.forEach(heads) { h in
                            let g = h / group
                            let qh = qv.block(rows: 0..<t, cols: h * d..<(h + 1) * d)
                            let kh = kv.block(rows: 0..<p0 + t, cols: g * d..<(g + 1) * d)
                            let vh = vv.block(rows: 0..<p0 + t, cols: g * d..<(g + 1) * d)
                            let oh = ov.block(rows: 0..<t, cols: h * d..<(h + 1) * d)
                            switch variant {
                            case .naive:
                                headNaive(qh, kh, vh, oh, p0: p0, window: window, scale: scale, softcap: softcap)
                            case .gemm:
                                headGEMM(qh, kh, vh, oh, p0: p0, window: window, scale: scale, softcap: softcap,
                                         block: params.queryBlock)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The keys query position p sees: max(0, p − window + 1) ... p.
    @inlinable static func visible(_ p: Int, window: Int?) -> ClosedRange<Int> {
        (window.map { Swift.max(0, p - $0 + 1) } ?? 0)...p
    }

    /// One head, blocked: S = scale·Q_b Kᵀ (GEMM), masked softmax per row, O_b = P V (GEMM).
    static func headGEMM(_ q: MatrixView<Float>, _ k: MatrixView<Float>, _ v: MatrixView<Float>,
                         _ o: MutableMatrixView<Float>, p0: Int, window: Int?, scale: Float, softcap: Float?,
                         block: Int) {
        let t = q.rows
        var scores = [Float](repeating: 0, count: Swift.min(block, t) * (p0 + t))  // block × keys, row-major
        scores.withUnsafeMutableBufferPointer { sbuf in
            var i0 = 0
            while i0 < t {
                let i1 = Swift.min(t, i0 + block), rows = i1 - i0, keys = p0 + i1
                let s = MutableMatrixView(base: sbuf.baseAddress!, rows: rows, cols: keys, rowStride: keys)
                gemm(.none, q.block(rows: i0..<i1, cols: 0..<q.cols), .transposed,
                     k.block(rows: 0..<keys, cols: 0..<k.cols), into: s, alpha: scale, beta: 0, variant: .blocked)
                for r in 0..<rows {
                    let range = visible(p0 + i0 + r, window: window)
                    softmaxRow(s.base + r * keys, count: keys, visible: range, softcap: softcap)
                }
                gemm(.none, s.readOnly, .none, v.block(rows: 0..<keys, cols: 0..<v.cols),
                     into: o.block(rows: i0..<i1, cols: 0..<o.cols), alpha: 1, beta: 0, variant: .blocked)
                i0 = i1
            }
        }
    }

    /// Soft-caps and exponentiates row[visible] in place, normalizes to sum 1, zeroes the rest of the row.
    @inlinable static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, visible: ClosedRange<Int>,
                                      softcap: Float?) {
        if let c = softcap {
            for j in visible { row[j] = c * Foundation.tanh(row[j] / c) }
        }
        var m = -Float.infinity
        for j in visible { m = Swift.max(m, row[j]) }
        let sum = VectorMath.expShifted(row + visible.lowerBound, count: visible.count, shift: m)
        let inv = Float(1 / sum)
        for j in 0..<visible.lowerBound { row[j] = 0 }
        for j in visible { row[j] *= inv }
        for j in (visible.upperBound + 1)..<Swift.max(count, visible.upperBound + 1) { row[j] = 0 }
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
