import LinearAlgebraCore
#if HOST_AVX2 || HOST_AVX512VNNI
import _Builtin_intrinsics.intel
#endif

/// The one-token product of a ``BlockQ8Matrix`` on an input rounded to 8 bits (``Int8Input``, blocks of 32 aligned
/// with the weight's), by integer dot products:
///
///     y_j = Σ_b d_jb · d̃_b · Σ_{p ∈ b} q_jp · x̃_p
///
/// with d̃_b, x̃ the input's block scales and codes. The weights are stored as u = q + 128 (unsigned bytes), so
/// Σ u·x̃ = Σ q·x̃ + 128·Σ x̃; the prepared input carries −128·Σ x̃ per lane, which starts each accumulator. Per 64
/// weights a row costs one VNNI `vpdpbusd` (four products per 32-bit lane), a conversion and two multiplications.

/// The input of ``blockQ8DotGEMV(_:input:rows:y:beta:)`` for one x, over the matrix's P = blocksPerRow·32 inputs.
struct BlockQ8DotInput {
    /// P codes x̃ (0 past cols).
    let codes: UnsafeMutablePointer<Int8>
    /// P / 4 lane offsets: lane w of step c (inputs 64c … 64c + 63) holds −128·Σ_{i<4} x̃[64c + 4w + i].
    let laneOffsets: UnsafeMutablePointer<Int32>
    /// P / 4 lane scales: lane w of step c holds d̃ of block 2c + w / 8.
    let laneScales: UnsafeMutablePointer<Float>
    /// P / 32 block scales d̃.
    let scales: UnsafeMutablePointer<Float>

    /// Calls `body` with x (`w.cols` values) rounded and laid out for `w`; the buffers live for the call only.
    static func with<R>(_ w: BlockQ8Matrix, x: UnsafePointer<Float>, _ body: (BlockQ8DotInput) -> R) -> R {
        // The closures below capture these, not w (a captured matrix is a copy: array retains on every call).
        let padded = w.blocksPerRow * BlockQ8Matrix.blockSize, cols = w.cols
        return withUnsafeTemporaryAllocation(of: Int8.self, capacity: padded) { bytes in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: padded / 4) { offsets in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: padded + padded / 4 + padded / 32) { floats in
                    let codes = bytes.baseAddress!, laneOffsets = offsets.baseAddress!
                    let values = floats.baseAddress!, lanes = values + padded, scales = lanes + padded / 4
                    values.update(from: x, count: cols)
                    (values + cols).update(repeating: 0, count: padded - cols)
                    Int8Input.round(values, count: padded, codes: codes, scales: scales)
                    #if HOST_AVX512VNNI
                    // Per 64 codes: the lane sums by vpdpbusd with ones, times −128.
                    let ones = _mm512_set1_epi8(1), zero = _mm512_setzero_si512()
                    for c in 0..<padded / 64 {
                        let sums = _mm512_dpbusd_epi32(zero, ones, UnsafeRawPointer(codes + 64 * c).loadUnaligned(as: __m512i.self))
                        UnsafeMutableRawPointer(laneOffsets + 16 * c).storeBytes(of: _mm512_slli_epi32(_mm512_sub_epi32(zero, sums), 7),
                                                                                 as: __m512i.self)
                        let d = SIMD16<Float>(lowHalf: SIMD8(repeating: scales[2 * c]), highHalf: SIMD8(repeating: scales[2 * c + 1]))
                        UnsafeMutableRawPointer(lanes + 16 * c).storeBytes(of: d, as: SIMD16<Float>.self)
                    }
                    #else
                    for l in 0..<padded / 4 {
                        var s: Int32 = 0
                        for i in 0..<4 { s += Int32(codes[4 * l + i]) }
                        laneOffsets[l] = -128 * s
                        lanes[l] = scales[l / 8]
                    }
                    #endif
                    return body(BlockQ8DotInput(codes: codes, laneOffsets: laneOffsets, laneScales: lanes, scales: scales))
                }
            }
        }
    }
}

/// y[j] ← Σ_b d_jb·d̃_b·Σ_{p∈b} q_jp·x̃_p + β·y[j]: the reference of the rounded-input product (exact integer sums).
func blockQ8DotGEMV_ref(_ w: BlockQ8Matrix, input: BlockQ8DotInput, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                        beta: Float) {
    let bs = BlockQ8Matrix.blockSize
    for j in rows {
        var s: Float = 0
        for b in 0..<(w.cols + bs - 1) / bs {
            var t = 0
            for p in b * bs..<Swift.min(w.cols, (b + 1) * bs) { t += w.code(j, p) * Int(input.codes[p]) }
            s += w.scale(j, block: b) * input.scales[b] * Float(t)
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// The rounded-input product, SIMD: integer dot products where the build target has AVX-512 VNNI, else the float
/// product of ``blockQ8GEMV(_:prepared:rows:y:beta:)`` on x̂ = d̃·x̃ (the same result up to float rounding).
func blockQ8DotGEMV(_ w: BlockQ8Matrix, input: BlockQ8DotInput, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                    beta: Float) {
    #if HOST_AVX512VNNI
    blockQ8DotGEMV_vnni(w, input: input, rows: rows, y: y, beta: beta)
    #elseif HOST_AVX2
    blockQ8DotGEMV_avx2(w, input: input, rows: rows, y: y, beta: beta)
    #else
    let padded = w.blocksPerRow * BlockQ8Matrix.blockSize
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * padded) { buf in
        let rounded = buf.baseAddress!, xk = rounded + padded
        for p in 0..<padded { rounded[p] = input.scales[p / BlockQ8Matrix.blockSize] * Float(input.codes[p]) }
        blockQ8Input(w, x: rounded, into: xk)
        blockQ8GEMV(w, prepared: xk, rows: rows, y: y, beta: beta)
    }
    #endif
}

#if HOST_AVX512VNNI
/// Per row and step of 64 inputs: acc = vpdpbusd(offsets, u, x̃) = Σ q·x̃ per lane, t += (d̃ ⊙ acc) ⊙ (d_j,2c ×8,
/// d_j,2c+1 ×8); four rows share the input's loads.
@inline(never)
func blockQ8DotGEMV_vnni(_ w: BlockQ8Matrix, input: BlockQ8DotInput, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                         beta: Float) {
    typealias V = SIMD16<Float>
    let steps = w.blocksPerRow / 2, stride = w.blocksPerRow * BlockQ8Matrix.blockSize, bpr = w.blocksPerRow
    // Halves 0…7 of the 16 take the first of a scale pair, 8…15 the second.
    let pairIndex = _mm256_set_epi16(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)
    let xq = input.codes, offsets = input.laneOffsets, dx = input.laneScales
    w.codes.withUnsafeBufferPointer { cb in
        w.scales.withUnsafeBufferPointer { sb in
            let codes = cb.baseAddress!, scales = sb.baseAddress!
            /// The weight scales of row j, step c, one per lane.
            @inline(__always) func weightScales(_ j: Int, _ c: Int) -> V {
                let pair = UnsafeRawPointer(scales + j * bpr + 2 * c).loadUnaligned(as: Int32.self)
                return _mm512_cvtph_ps(_mm256_permutexvar_epi16(pairIndex, _mm256_set1_epi32(pair)))
            }
            /// d̃ ⊙ Σ q·x̃ per lane of row j, step c.
            @inline(__always) func dot(_ j: Int, _ c: Int, _ x: __m512i, _ o: __m512i, _ d: V) -> V {
                let u = _mm512_loadu_si512(UnsafeRawPointer(codes + j * stride + 64 * c))
                return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(o, u, x)) * d
            }
            @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
            var j = rows.lowerBound
            while j + 4 <= rows.upperBound {
                var t0 = V(), t1 = V(), t2 = V(), t3 = V()
                for c in 0..<steps {
                    let x = _mm512_loadu_si512(UnsafeRawPointer(xq + 64 * c))
                    let o = _mm512_loadu_si512(UnsafeRawPointer(offsets + 16 * c))
                    let d = UnsafeRawPointer(dx + 16 * c).loadUnaligned(as: V.self)
                    t0 = t0.addingProduct(dot(j, c, x, o, d), weightScales(j, c))
                    t1 = t1.addingProduct(dot(j + 1, c, x, o, d), weightScales(j + 1, c))
                    t2 = t2.addingProduct(dot(j + 2, c, x, o, d), weightScales(j + 2, c))
                    t3 = t3.addingProduct(dot(j + 3, c, x, o, d), weightScales(j + 3, c))
                }
                store(j, horizontalSum(t0)); store(j + 1, horizontalSum(t1))
                store(j + 2, horizontalSum(t2)); store(j + 3, horizontalSum(t3))
                j += 4
            }
            while j < rows.upperBound {
                var t = V()
                for c in 0..<steps {
                    let x = _mm512_loadu_si512(UnsafeRawPointer(xq + 64 * c))
                    let o = _mm512_loadu_si512(UnsafeRawPointer(offsets + 16 * c))
                    let d = UnsafeRawPointer(dx + 16 * c).loadUnaligned(as: V.self)
                    t = t.addingProduct(dot(j, c, x, o, d), weightScales(j, c))
                }
                store(j, horizontalSum(t))
                j += 1
            }
        }
    }
}
#endif

#if HOST_AVX2
/// The same product with AVX2 (no VNNI): per block of 32 (one 32-byte half of a step), the codes made signed
/// (q = u − 128), `vpmaddubsw(|q|, sign(q)·x̃)` (pairs at most 2·127·127, no saturation) and `vpmaddwd` with ones;
/// the block's eight lanes are scaled by d_jb·d̃_b.
@inline(never)
func blockQ8DotGEMV_avx2(_ w: BlockQ8Matrix, input: BlockQ8DotInput, rows: Range<Int>, y: UnsafeMutablePointer<Float>,
                         beta: Float) {
    typealias V = SIMD8<Float>
    let blocks = w.blocksPerRow, bs = BlockQ8Matrix.blockSize
    let flip = _mm256_set1_epi8(-128), ones = _mm256_set1_epi16(1)
    let xq = input.codes, dx = input.scales
    w.codes.withUnsafeBufferPointer { cb in
        w.scales.withUnsafeBufferPointer { sb in
            let codes = cb.baseAddress!, scales = sb.baseAddress!
            for j in rows {
                var t = V()
                for b in 0..<blocks {
                    let x = UnsafeRawPointer(xq + bs * b).loadUnaligned(as: __m256i.self)
                    let u = UnsafeRawPointer(codes + (j * blocks + b) * bs).loadUnaligned(as: __m256i.self)
                    let q = _mm256_xor_si256(u, flip)
                    let lanes = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(x, q)), ones)
                    let scale = Float(Float16(bitPattern: scales[j * blocks + b])) * dx[b]
                    t = t.addingProduct(_mm256_cvtepi32_ps(lanes), V(repeating: scale))
                }
                let s = horizontalSum(t)
                y[j] = beta == 0 ? s : s + beta * y[j]
            }
        }
    }
}
#endif
