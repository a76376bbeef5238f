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
            // Column j of the panel is a contiguous run of row j of B. Four rows at a time keep
            // four read streams and write 4 adjacent values per p.
            var j = 0
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
