import Foundation
import LinearAlgebraCore

extension Attention {
    /// Keys per task below which a decode step's attention is not split further.
    static let decodeChunkKeys = 128

    /// Attention of one query row (decoding) at position p, split over the keys (flash-decoding):
    ///
    ///     for each task (key/value head g, chunk C of the visible keys) and head h of g:
    ///         s_j = scale·q_h·k_j (soft-capped),   m_C = max_{j∈C} s_j,   l_C = Σ_{j∈C} e^{s_j − m_C},
    ///         o_C = Σ_{j∈C} e^{s_j − m_C} v_j
    ///     out_h = Σ_C e^{m_C − M} o_C / Σ_C e^{m_C − M} l_C,   M = max_C m_C
    ///
    /// which is softmax(s)·V over all the keys. Each task reads its chunk of K and V once for the `group` heads that
    /// share g (a query-head GEMV would read them `group` times), and the chunks spread a long cache over the
    /// threads even when there are fewer key/value heads than threads.
    ///
    /// q: heads·D values (rotary applied); keys, values: rows 0…p (and more) × kvHeads·D; out: heads·D values.
    static func decode(q: UnsafePointer<Float>, keys: MatrixView<Float>, values: MatrixView<Float>, heads: Int,
                       kvHeads: Int, headDim d: Int, position p: Int, window: Int?, scale: Float, softcap: Float?,
                       out: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
        let group = heads / kvHeads, seen = visible(p, window: window)
        let n = seen.count
        let chunks = Swift.max(1, Swift.min(2 * parallelism.threads, n / decodeChunkKeys))
        let tasks = kvHeads * chunks
        let threads = n * heads * d >= 1 << 15 ? parallelism : .serial
        // Per task and head: o_C (D values), then m_C and l_C.
        let stride = d + 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tasks * group * stride) { partial in
            let partials = partial.baseAddress!
            threads.forEachTask(tasks) { task, _ in
                let g = task / chunks, c = task % chunks
                let lo = seen.lowerBound + c * n / chunks, hi = seen.lowerBound + (c + 1) * n / chunks
                decodeChunk(q: q + g * group * d, keys: keys.base + g * d, values: values.base + g * d,
                            ld: keys.rowStride, valueLD: values.rowStride, group: group, headDim: d, keys: lo..<hi,
                            scale: scale, softcap: softcap, partial: partials + task * group * stride)
            }
            for h in 0..<heads {
                let g = h / group, i = h % group
                var m = -Float.infinity
                for c in 0..<chunks { m = Swift.max(m, partials[((g * chunks + c) * group + i) * stride + d]) }
                var l: Float = 0
                let o = out + h * d
                o.update(repeating: 0, count: d)
                for c in 0..<chunks {
                    let part = partials + ((g * chunks + c) * group + i) * stride
                    let w = Foundation.exp(part[d] - m)
                    l += w * part[d + 1]
                    for x in 0..<d { o[x] += w * part[x] }
                }
                let inverse = 1 / l
                for x in 0..<d { o[x] *= inverse }
            }
        }
    }

    /// One task of ``decode``: for the `group` query heads q (group·D values) against keys/values rows `keys`
    /// (row j of K at k + j·ld, of V at v + j·valueLD, D values each), writes per head o_C (D values), m_C, l_C.
    static func decodeChunk(q: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                            ld: Int, valueLD: Int, group: Int, headDim d: Int, keys range: Range<Int>, scale: Float,
                            softcap: Float?, partial: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let n = range.count, whole = d / 16 * 16, stride = d + 2
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: group * n) { buffer in
            let s = buffer.baseAddress!  // group × n scores, then weights
            // Scores: each key row is read once for the group's heads.
            for (t, j) in range.enumerated() {
                let kj = k + j * ld
                for i in 0..<group {
                    let qi = q + i * d
                    var acc = V()
                    var x = 0
                    while x < whole { acc = acc.addingProduct(load(qi + x), load(kj + x)); x += 16 }
                    // Σ of the lanes by a tree (16 → 8 → 4 → 2), not SIMD.sum()'s chain of fifteen scalar adds.
                    let a8 = acc.lowHalf + acc.highHalf, a4 = a8.lowHalf + a8.highHalf, a2 = a4.lowHalf + a4.highHalf
                    var dot = a2[0] + a2[1]
                    while x < d { dot += qi[x] * kj[x]; x += 1 }
                    s[i * n + t] = scale * dot
                }
            }
            for i in 0..<group {
                let row = s + i * n, o = partial + i * stride
                if let c = softcap { for t in 0..<n { row[t] = c * Foundation.tanh(row[t] / c) } }
                let m = VectorMath.maximum(row, count: n)
                o[d] = m
                o[d + 1] = Float(VectorMath.expShifted(row, count: n, shift: m))
                o.update(repeating: 0, count: d)
            }
            // o_C = Σ_j w_j v_j: each value row is read once for the group's heads.
            for (t, j) in range.enumerated() {
                let vj = v + j * valueLD
                for i in 0..<group {
                    let w = V(repeating: s[i * n + t]), o = partial + i * stride
                    var x = 0
                    while x < whole {
                        UnsafeMutableRawPointer(o + x).storeBytes(of: load(o + x).addingProduct(w, load(vj + x)), as: V.self)
                        x += 16
                    }
                    while x < d { o[x] += s[i * n + t] * vj[x]; x += 1 }
                }
            }
        }
    }
}
