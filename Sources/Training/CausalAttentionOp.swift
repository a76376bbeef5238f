import GEMM
import LinearAlgebraCore

/// Causal scaled dot-product attention with grouped-query heads, per sequence of a ``SequenceLayout`` (as
/// ``TransformerRuntime/Attention``, prefill from position 0). For a sequence, head h and its key/value head
/// g = h / (heads / kvHeads):
///
///     S = scale · Q_h K_gᵀ,   P = softmax of each row over the visible keys (j ≤ i, j > i − window),
///     O_h = P V_g
///
/// Backward, with dO_h given (P is kept by the forward, heads · Σ lengthₛ² values):
///
///     dP = dO_h V_gᵀ,   dS = P ⊙ (dP − rowsum(P ⊙ dP)),
///     dQ_h = scale · dS K_g,   dK_g += scale · dSᵀ Q_h,   dV_g += Pᵀ dO_h
///
/// Both run in blocks of `queryBlock` query rows against only the keys the block sees (half the products of
/// the full square). Tasks are (sequence, key/value head): each writes its own rows and columns of the outputs.
public enum CausalAttentionOp {
    /// The shape of one layer's attention.
    public struct Shape: Sendable, Equatable {
        public var heads: Int, kvHeads: Int, headDim: Int
        /// Keys each query sees (Mistral, Gemma 3 local layers); nil = all earlier positions.
        public var window: Int?
        public var scale: Double
        public var queryBlock = 64

        public init(heads: Int, kvHeads: Int, headDim: Int, window: Int?, scale: Double) {
            precondition(heads % kvHeads == 0)
            self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
            self.window = window
            self.scale = scale
        }

        var group: Int { heads / kvHeads }

        /// The first key query position i sees.
        func firstKey(_ i: Int) -> Int { window.map { Swift.max(0, i - $0 + 1) } ?? 0 }
    }

    /// Where head h of sequence s keeps its L × L probabilities in the saved array.
    static func probabilityOffset(_ s: Int, head h: Int, layout: SequenceLayout, heads: Int) -> Int {
        var o = 0
        for t in 0..<s { o += heads * layout.length(t) * layout.length(t) }
        return o + h * layout.length(s) * layout.length(s)
    }

    /// q: rows × heads·D (rotated), k, v: rows × kvHeads·D. Returns O (rows × heads·D) and P (heads · Σ Lₛ²).
    public static func forward<T: TrainingScalar>(q: Matrix<T>, k: Matrix<T>, v: Matrix<T>, shape: Shape,
                                                  layout: SequenceLayout,
                                                  parallelism: Parallelism) -> (out: Matrix<T>, probabilities: [T]) {
        let d = shape.headDim, qw = shape.heads * d
        precondition(q.cols == qw && k.cols == shape.kvHeads * d && v.cols == k.cols && q.rows == layout.rows)
        var out = Matrix<T>(rows: q.rows, cols: qw)
        var probs = [T](repeating: 0, count: shape.heads * layout.squaredLengthSum)
        let scale = T(shape.scale)
        let tasks = (0..<layout.count).flatMap { s in (0..<shape.kvHeads).map { (s, $0) } }
        q.withView { qv in k.withView { kv in v.withView { vv in
            out.withMutableView { ov in
                probs.withUnsafeMutableBufferPointer { pb in
                    let pBase = pb.baseAddress!
                    parallelism.forEachTask(tasks.count) { task, _ in
                        let (s, g) = tasks[task]
                        let rows = layout.range(s), l = rows.count
                        let kg = kv.block(rows: rows, cols: g * d..<(g + 1) * d)
                        let vg = vv.block(rows: rows, cols: g * d..<(g + 1) * d)
                        for h in g * shape.group..<(g + 1) * shape.group {
                            let p = MutableMatrixView(base: pBase + probabilityOffset(s, head: h, layout: layout, heads: shape.heads),
                                                      rows: l, cols: l, rowStride: l)
                            let qh = qv.block(rows: rows, cols: h * d..<(h + 1) * d)
                            let oh = ov.block(rows: rows, cols: h * d..<(h + 1) * d)
                            for r0 in stride(from: 0, to: l, by: shape.queryBlock) {
                                let r1 = Swift.min(l, r0 + shape.queryBlock), keys = shape.firstKey(r0)..<r1
                                let sBlock = p.block(rows: r0..<r1, cols: keys)
                                gemm(.none, qh.block(rows: r0..<r1, cols: 0..<d), .transposed,
                                     kg.block(rows: keys, cols: 0..<d), into: sBlock, alpha: scale, beta: 0,
                                     variant: .blocked)
                                for i in r0..<r1 {
                                    softmaxRow(p.base + i * l, visible: shape.firstKey(i)...i, scored: keys)
                                }
                                gemm(.none, sBlock.readOnly, .none, vg.block(rows: keys, cols: 0..<d),
                                     into: oh.block(rows: r0..<r1, cols: 0..<d), alpha: 1, beta: 0, variant: .blocked)
                            }
                        }
                    }
                }
            }
        } } }
        return (out, probs)
    }

    /// Row i of P: the softmax of the visible scores; the other entries of `scored` (the columns the block's
    /// product wrote) set to 0; entries outside `scored` were never written and stay 0.
    static func softmaxRow<T: TrainingScalar>(_ row: UnsafeMutablePointer<T>, visible: ClosedRange<Int>,
                                              scored: Range<Int>) {
        let first = row + visible.lowerBound, n = visible.count
        let sum = T.expShifted(first, count: n, shift: T.maximum(first, count: n))
        let inv = T(1 / sum)
        for j in 0..<n { first[j] *= inv }
        for j in scored.lowerBound..<visible.lowerBound { row[j] = 0 }
        for j in visible.upperBound + 1..<scored.upperBound { row[j] = 0 }
    }

    /// dQ (rows × heads·D), dK, dV (rows × kvHeads·D) for dO (rows × heads·D).
    public static func backward<T: TrainingScalar>(_ dOut: Matrix<T>, q: Matrix<T>, k: Matrix<T>, v: Matrix<T>,
                                                   probabilities: [T], shape: Shape, layout: SequenceLayout,
                                                   parallelism: Parallelism) -> (dq: Matrix<T>, dk: Matrix<T>, dv: Matrix<T>) {
        let d = shape.headDim
        var dq = Matrix<T>(rows: q.rows, cols: q.cols)
        var dk = Matrix<T>(rows: k.rows, cols: k.cols), dv = Matrix<T>(rows: v.rows, cols: v.cols)
        let scale = T(shape.scale)
        let tasks = (0..<layout.count).flatMap { s in (0..<shape.kvHeads).map { (s, $0) } }
        let maxLength = (0..<layout.count).map { layout.length($0) }.max() ?? 0
        let workers = Swift.min(parallelism.threads, tasks.count)
        var scratch = [T](repeating: 0, count: workers * maxLength * shape.queryBlock)  // per worker: block × L
        dOut.withView { dov in q.withView { qv in k.withView { kv in v.withView { vv in
            dq.withMutableView { dqv in dk.withMutableView { dkv in dv.withMutableView { dvv in
                probabilities.withUnsafeBufferPointer { pb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        let pBase = pb.baseAddress!, sBase = sb.baseAddress!
                        parallelism.forEachTask(tasks.count) { task, worker in
                            let (s, g) = tasks[task]
                            let rows = layout.range(s), l = rows.count
                            let cols = g * d..<(g + 1) * d
                            let kg = kv.block(rows: rows, cols: cols), vg = vv.block(rows: rows, cols: cols)
                            let dkg = dkv.block(rows: rows, cols: cols), dvg = dvv.block(rows: rows, cols: cols)
                            for h in g * shape.group..<(g + 1) * shape.group {
                                let p = MatrixView(base: pBase + probabilityOffset(s, head: h, layout: layout, heads: shape.heads),
                                                   rows: l, cols: l, rowStride: l)
                                let hc = h * d..<(h + 1) * d
                                let qh = qv.block(rows: rows, cols: hc), doh = dov.block(rows: rows, cols: hc)
                                let dqh = dqv.block(rows: rows, cols: hc)
                                for r0 in stride(from: 0, to: l, by: shape.queryBlock) {
                                    let r1 = Swift.min(l, r0 + shape.queryBlock), keys = shape.firstKey(r0)..<r1
                                    let ds = MutableMatrixView(base: sBase + worker * maxLength * shape.queryBlock,
                                                               rows: r1 - r0, cols: keys.count, rowStride: keys.count)
                                    let pBlock = p.block(rows: r0..<r1, cols: keys)
                                    let doBlock = doh.block(rows: r0..<r1, cols: 0..<d)
                                    // dP = dO Vᵀ, then dS = P ⊙ (dP − rowsum(P ⊙ dP)) in place.
                                    gemm(.none, doBlock, .transposed, vg.block(rows: keys, cols: 0..<d), into: ds,
                                         alpha: 1, beta: 0, variant: .blocked)
                                    for i in 0..<r1 - r0 {
                                        let pr = pBlock.base + i * l, dr = ds.base + i * keys.count
                                        var dot: T = 0
                                        for j in 0..<keys.count { dot += pr[j] * dr[j] }
                                        for j in 0..<keys.count { dr[j] = pr[j] * (dr[j] - dot) }
                                    }
                                    gemm(.none, ds.readOnly, .none, kg.block(rows: keys, cols: 0..<d),
                                         into: dqh.block(rows: r0..<r1, cols: 0..<d), alpha: scale, beta: 0, variant: .blocked)
                                    gemm(.transposed, ds.readOnly, .none, qh.block(rows: r0..<r1, cols: 0..<d),
                                         into: dkg.block(rows: keys, cols: 0..<d), alpha: scale, beta: 1, variant: .blocked)
                                    gemm(.transposed, pBlock, .none, doBlock,
                                         into: dvg.block(rows: keys, cols: 0..<d), alpha: 1, beta: 1, variant: .blocked)
                                }
                            }
                        }
                    }
                }
            } } }
        } } } }
        return (dq, dk, dv)
    }
}
