import LinearAlgebraCore

/// Packs the block op(A)[rows, depth] into MR-tall micro-panels:
/// panel q (rows q·MR ..< q·MR + MR) is kc × MR, row-major (the MR values of one p are consecutive),
/// at `dst + q·MR·kc`. Rows past the end of the block are zero, so edge tiles run the full kernel.
///
/// op(A)[i, p] is `a[i, p]` for `.none` (contiguous along p) and `a[p, i]` for `.transposed` (contiguous along i).
func packA<T: LinalgScalar>(
    _ trans: Transpose, _ a: MatrixView<T>, rows: Range<Int>, depth: Range<Int>, mr: Int,
    into dst: UnsafeMutablePointer<T>
) {
    let kc = depth.count, rs = a.rowStride
    let panels = (rows.count + mr - 1) / mr
    switch trans {
    case .none:
        // Rows of a panel are contiguous runs of A. Six rows are read side by side so each p writes six
        // consecutive values; leftover rows are copied one by one with stride MR.
        for q in 0..<panels {
            let panel = dst + q * mr * kc, i0 = rows.lowerBound + q * mr
            let rowsHere = Swift.min(mr, rows.upperBound - i0)
            var r = 0
            while r + 6 <= rowsHere {
                let s0 = a.base + (i0 + r) * rs + depth.lowerBound
                let s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs, s4 = s3 + rs, s5 = s4 + rs
                var out = panel + r
                for p in 0..<kc {
                    out[0] = s0[p]; out[1] = s1[p]; out[2] = s2[p]; out[3] = s3[p]; out[4] = s4[p]; out[5] = s5[p]
                    out += mr
                }
                r += 6
            }
            while r < rowsHere {
                let src = a.base + (i0 + r) * rs + depth.lowerBound
                for p in 0..<kc { panel[p * mr + r] = src[p] }
                r += 1
            }
            if rowsHere < mr {
                for p in 0..<kc { for r in rowsHere..<mr { panel[p * mr + r] = 0 } }
            }
        }
    case .transposed:
        // For each p, the panel's MR values are a contiguous run of row p of A.
        for q in 0..<panels {
            let panel = dst + q * mr * kc, i0 = rows.lowerBound + q * mr
            let rowsHere = Swift.min(mr, rows.upperBound - i0)
            for p in 0..<kc {
                let src = a.base + (depth.lowerBound + p) * rs + i0
                let out = panel + p * mr
                for r in 0..<rowsHere { out[r] = src[r] }
                for r in rowsHere..<mr { out[r] = 0 }
            }
        }
    }
}

/// Packs the block op(B)[depth, cols] into NR-wide micro-panels:
/// panel q (columns q·NR ..< q·NR + NR) is kc × NR, row-major, at `dst + q·NR·kc`.
/// Columns past the end of the block are zero.
///
/// op(B)[p, j] is `b[p, j]` for `.none` (contiguous along j) and `b[j, p]` for `.transposed` (contiguous along p).
func packB<T: LinalgScalar>(
    _ trans: Transpose, _ b: MatrixView<T>, depth: Range<Int>, cols: Range<Int>, nr: Int,
    into dst: UnsafeMutablePointer<T>
) {
    let kc = depth.count, rs = b.rowStride
    var panel = dst
    for j0 in stride(from: cols.lowerBound, to: cols.upperBound, by: nr) {
        let colsHere = Swift.min(nr, cols.upperBound - j0)
        switch trans {
        case .none:
            for p in 0..<kc {
                let src = b.base + (depth.lowerBound + p) * rs + j0
                let out = panel + p * nr
                if colsHere == nr {
                    copyRow(from: src, to: out, count: nr)
                } else {
                    for j in 0..<colsHere { out[j] = src[j] }
                    for j in colsHere..<nr { out[j] = 0 }
                }
            }
        case .transposed:
            // Column j of the panel is a contiguous run of row j of B. Float: 8 × 8 blocks transposed in
            // registers (8 row loads, 8 panel-row stores). Then four rows at a time keep four read streams
            // and write 4 adjacent values per p.
            var j = 0
            if T.self == Float.self {
                let pEnd = kc / 8 * 8
                while j + 8 <= colsHere {
                    let src = UnsafeRawPointer(b.base + (j0 + j) * rs + depth.lowerBound)
                        .assumingMemoryBound(to: Float.self)
                    let out = UnsafeMutableRawPointer(panel + j).assumingMemoryBound(to: Float.self)
                    var p = 0
                    while p < pEnd {
                        transpose8x8(src + p, rowStride: rs, into: out + p * nr, outStride: nr)
                        p += 8
                    }
                    while p < kc {
                        for jj in 0..<8 { out[p * nr + jj] = src[jj * rs + p] }
                        p += 1
                    }
                    j += 8
                }
            }
            while j + 4 <= colsHere {
                let s0 = b.base + (j0 + j) * rs + depth.lowerBound
                let s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs
                for p in 0..<kc {
                    let out = panel + p * nr + j
                    out[0] = s0[p]; out[1] = s1[p]; out[2] = s2[p]; out[3] = s3[p]
                }
                j += 4
            }
            while j < colsHere {
                let src = b.base + (j0 + j) * rs + depth.lowerBound
                for p in 0..<kc { panel[p * nr + j] = src[p] }
                j += 1
            }
            if colsHere < nr {
                for p in 0..<kc { for jj in colsHere..<nr { panel[p * nr + jj] = 0 } }
            }
        }
        panel += nr * kc
    }
}

/// out[i·outStride + r] = src[r·rowStride + i] for r, i < 8: an 8 × 8 Float block transposed through registers
/// (unpack pairs of rows, combine pairs of pairs, then swap 128-bit halves: the AVX idiom, which LLVM
/// recovers from these lane selections).
@inline(__always)
func transpose8x8(_ src: UnsafePointer<Float>, rowStride: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
    typealias V = SIMD8<Float>
    @inline(__always) func row(_ r: Int) -> V { UnsafeRawPointer(src + r * rowStride).loadUnaligned(as: V.self) }
    // Interleave rows r, r+1: (a0 b0 a1 b1 | a4 b4 a5 b5) and (a2 b2 a3 b3 | a6 b6 a7 b7).
    @inline(__always) func lo(_ a: V, _ b: V) -> V { V(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
    @inline(__always) func hi(_ a: V, _ b: V) -> V { V(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
    // Pairs of pairs: (x0 x1 y0 y1 | x4 x5 y4 y5) and (x2 x3 y2 y3 | x6 x7 y6 y7).
    @inline(__always) func lo2(_ x: V, _ y: V) -> V { V(x[0], x[1], y[0], y[1], x[4], x[5], y[4], y[5]) }
    @inline(__always) func hi2(_ x: V, _ y: V) -> V { V(x[2], x[3], y[2], y[3], x[6], x[7], y[6], y[7]) }
    // 128-bit halves: (x.lo y.lo) and (x.hi y.hi).
    @inline(__always) func lanesLo(_ x: V, _ y: V) -> V { V(lowHalf: x.lowHalf, highHalf: y.lowHalf) }
    @inline(__always) func lanesHi(_ x: V, _ y: V) -> V { V(lowHalf: x.highHalf, highHalf: y.highHalf) }
    @inline(__always) func store(_ v: V, _ i: Int) {
        UnsafeMutableRawPointer(out + i * outStride).storeBytes(of: v, as: V.self)
    }
    let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
    let t0 = lo(r0, r1), t1 = hi(r0, r1), t2 = lo(r2, r3), t3 = hi(r2, r3)
    let t4 = lo(r4, r5), t5 = hi(r4, r5), t6 = lo(r6, r7), t7 = hi(r6, r7)
    let u0 = lo2(t0, t2), u1 = hi2(t0, t2), u2 = lo2(t1, t3), u3 = hi2(t1, t3)
    let u4 = lo2(t4, t6), u5 = hi2(t4, t6), u6 = lo2(t5, t7), u7 = hi2(t5, t7)
    store(lanesLo(u0, u4), 0); store(lanesLo(u1, u5), 1); store(lanesLo(u2, u6), 2); store(lanesLo(u3, u7), 3)
    store(lanesHi(u0, u4), 4); store(lanesHi(u1, u5), 5); store(lanesHi(u2, u6), 6); store(lanesHi(u3, u7), 7)
}

/// `count` elements from `src` to `dst` (not overlapping): 32 bytes per unaligned vector load/store when the row is a
/// whole number of them (every micro-panel row: NR · size is 64 or 128 bytes), else element by element.
/// `UnsafeMutablePointer.update(from:count:)` with a run-time count becomes a `memmove` call per 64-byte row, which
/// made packing B a tenth of a 512³ Double GEMM.
@inline(__always)
func copyRow<T>(from src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>, count: Int) {
    let bytes = count * MemoryLayout<T>.stride
    if bytes % 32 == 0 {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        for offset in stride(from: 0, to: bytes, by: 32) {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: offset, as: SIMD4<UInt64>.self), toByteOffset: offset,
                         as: SIMD4<UInt64>.self)
        }
    } else {
        for j in 0..<count { dst[j] = src[j] }
    }
}
