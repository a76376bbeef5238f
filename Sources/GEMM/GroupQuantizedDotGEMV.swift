import LinearAlgebraCore
#if HOST_AVX2 || HOST_AVX512VNNI
import _Builtin_intrinsics.intel
#endif

/// The one-token product of a ``GroupQuantizedMatrix`` on an input rounded to 8 bits (``Int8Input``), by integer
/// dot products:
///
///     y_j = Σ_g s_jg · Σ_{c ∈ g} (q_jc − z_jg) · x̂_c
///         = Σ_b Σ_lanes [ s_jg · d_lane · (Σ_{c ∈ lane} q_jc · x̃_c)  −  (s·z)_jg · Σ_{c ∈ lane} x̂_c ]
///
/// with x̂_c = d·x̃_c the rounded input in the stored column order, x̃ its 8-bit codes. Per block of 128 inputs a
/// row's 16 words are one 64-byte load; their low and high nibbles meet the input's codes in two VNNI `vpdpbusd`
/// (unsigned codes × signed input, four products per 32-bit lane), so 128 weights cost about ten instructions
/// where the float product (``groupQuantizedGEMV(_:prepared:rows:y:beta:)``) needs forty.

/// The input of ``groupQuantizedDotGEMV(_:input:rows:y:beta:)`` for one x, over the matrix's B = ⌈cols/128⌉ blocks.
struct GroupQuantizedDotInput {
    /// 128·B codes. Block b: byte 4w + i of its first 64 is x̃[128b + 8w + 2i], of its next 64 x̃[128b + 8w + 2i + 1]
    /// — the inputs that the low and the high nibble of byte i of word w stand for.
    let codes: UnsafeMutablePointer<Int8>
    /// 16·B lane scales: lane w of block b holds d of the 32-input block that inputs 128b + 8w … 128b + 8w + 7 lie in.
    let laneScales: UnsafeMutablePointer<Float>
    /// 16·B negated lane sums: −Σ_{k<8} x̂[128b + 8w + k].
    let negatedLaneSums: UnsafeMutablePointer<Float>
    /// 128·B values x̂ in the stored column order (0 past cols): what the reference multiplies.
    let rounded: UnsafeMutablePointer<Float>

    /// Calls `body` with x (`w.cols` values, original column order) rounded and laid out for `w`; the buffers live
    /// for the call only.
    static func with<R>(_ w: GroupQuantizedMatrix, x: UnsafePointer<Float>, _ body: (GroupQuantizedDotInput) -> R) -> R {
        // The closures below capture these, not w: a captured matrix is a copy, five array retains per call, made
        // by every worker of a decode step on the same arrays.
        let padded = w.wordsPerRow * 8, blocks = w.wordsPerRow / 16, cols = w.cols, permutation = w.permutation
        return withUnsafeTemporaryAllocation(of: Int8.self, capacity: 2 * padded) { bytes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: padded + 32 * blocks + padded / 32) { floats in
                let codes = bytes.baseAddress!, plain = codes + padded  // plain: x̃ in stored order
                let rounded = floats.baseAddress!, lanes = rounded + padded, sums = lanes + 16 * blocks
                let scales = sums + 16 * blocks  // padded / 32 block scales d
                if let perm = permutation {
                    for c in 0..<cols { rounded[c] = x[Int(perm[c])] }
                } else {
                    rounded.update(from: x, count: cols)
                }
                (rounded + cols).update(repeating: 0, count: padded - cols)
                Int8Input.round(rounded, count: padded, codes: plain, scales: scales)
                for b in 0..<padded / Int8Input.blockSize {
                    let d = scales[b]
                    for c in 32 * b..<32 * b + 32 { rounded[c] = d * Float(plain[c]) }
                }
                #if HOST_AVX512BW && HOST_AVX512VNNI
                layoutAVX512(blocks: blocks, plain: plain, scales: scales, codes: codes, lanes: lanes, sums: sums)
                #else
                for b in 0..<blocks {
                    for word in 0..<16 {
                        let first = 128 * b + 8 * word
                        for i in 0..<4 {
                            codes[128 * b + 4 * word + i] = plain[first + 2 * i]
                            codes[128 * b + 64 + 4 * word + i] = plain[first + 2 * i + 1]
                        }
                        lanes[16 * b + word] = scales[first / Int8Input.blockSize]
                        var s: Float = 0
                        for k in 0..<8 { s += rounded[first + k] }
                        sums[16 * b + word] = -s
                    }
                }
                #endif
                return body(GroupQuantizedDotInput(codes: codes, laneScales: lanes, negatedLaneSums: sums, rounded: rounded))
            }
        }
    }
}

#if HOST_AVX512BW && HOST_AVX512VNNI
extension GroupQuantizedDotInput {
    /// The nibble order, lane scales and lane sums of ``with(_:x:_:)``, a block of 128 codes at a time: the codes of
    /// the low nibbles are the low bytes of the 16-bit pairs (`vpmovwb`), those of the high nibbles the high bytes;
    /// a lane's eight codes are summed by `vpdpbusd` with ones, −d·Σ in f32 (exact: |Σ| ≤ 1016).
    static func layoutAVX512(blocks: Int, plain: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                             codes: UnsafeMutablePointer<Int8>, lanes: UnsafeMutablePointer<Float>,
                             sums: UnsafeMutablePointer<Float>) {
        let ones = _mm512_set1_epi8(1), zero = _mm512_setzero_si512()
        for b in 0..<blocks {
            let v0 = UnsafeRawPointer(plain + 128 * b).loadUnaligned(as: __m512i.self)
            let v1 = UnsafeRawPointer(plain + 128 * b + 64).loadUnaligned(as: __m512i.self)
            let out = UnsafeMutableRawPointer(codes + 128 * b)
            out.storeBytes(of: _mm512_cvtepi16_epi8(v0), as: __m256i.self)
            out.storeBytes(of: _mm512_cvtepi16_epi8(v1), toByteOffset: 32, as: __m256i.self)
            out.storeBytes(of: _mm512_cvtepi16_epi8(_mm512_srai_epi16(v0, 8)), toByteOffset: 64, as: __m256i.self)
            out.storeBytes(of: _mm512_cvtepi16_epi8(_mm512_srai_epi16(v1, 8)), toByteOffset: 96, as: __m256i.self)
            let low = out.loadUnaligned(as: __m512i.self), high = out.loadUnaligned(fromByteOffset: 64, as: __m512i.self)
            let d = SIMD16<Float>(lowHalf: SIMD8(lowHalf: SIMD4(repeating: scales[4 * b]), highHalf: SIMD4(repeating: scales[4 * b + 1])),
                                  highHalf: SIMD8(lowHalf: SIMD4(repeating: scales[4 * b + 2]), highHalf: SIMD4(repeating: scales[4 * b + 3])))
            let counts = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, ones, low), ones, high)
            UnsafeMutableRawPointer(lanes + 16 * b).storeBytes(of: d, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(sums + 16 * b).storeBytes(of: -(d * _mm512_cvtepi32_ps(counts)), as: SIMD16<Float>.self)
        }
    }
}
#endif

/// y[j] ← Σ_c s_jg(c)·(q_jc − z_jg(c))·x̂_c + β·y[j]: the reference of the rounded-input product, one weight at a time.
func groupQuantizedDotGEMV_ref(_ w: GroupQuantizedMatrix, input: GroupQuantizedDotInput, rows: Range<Int>,
                               y: UnsafeMutablePointer<Float>, beta: Float) {
    for j in rows {
        var s: Float = 0
        for c in 0..<w.cols {
            let g = c / w.groupSize
            s += w.scales[j * w.groups + g] * Float(w.code(j, storedColumn: c) - Int(w.zeros[j * w.groups + g])) * input.rounded[c]
        }
        y[j] = beta == 0 ? s : s + beta * y[j]
    }
}

/// The rounded-input product, SIMD: integer dot products where the build target has AVX-512 VNNI, else the float
/// product of ``groupQuantizedGEMV(_:prepared:rows:y:beta:)`` on x̂ (the same result up to float rounding).
func groupQuantizedDotGEMV(_ w: GroupQuantizedMatrix, input: GroupQuantizedDotInput, rows: Range<Int>,
                           y: UnsafeMutablePointer<Float>, beta: Float) {
    #if HOST_AVX512VNNI
    groupQuantizedDotGEMV_vnni(w, input: input, rows: rows, y: y, beta: beta)
    #elseif HOST_AVX2
    groupQuantizedDotGEMV_avx2(w, input: input, rows: rows, y: y, beta: beta)
    #else
    // x̂ back in the original column order, then laid out for the float product.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: w.cols + w.wordsPerRow * 8) { buf in
        let original = buf.baseAddress!, xk = original + w.cols
        for c in 0..<w.cols { original[w.permutation.map { Int($0[c]) } ?? c] = input.rounded[c] }
        groupQuantizedInput(w, x: original, xk: xk)
        groupQuantizedGEMV(w, prepared: xk, rows: rows, y: y, beta: beta)
    }
    #endif
}

/// The grid of an int4 row for the 16 lanes (words) of block b: each lane's group scale s and offset s·z.
/// `scales`, `scaledZeros`: the row's `groups` values; a group of whole blocks (or one per row) gives one value for
/// every lane, shorter groups one per `gs / 8` lanes.
@inline(__always)
func groupQuantizedLaneGrid(scales s: UnsafePointer<Float>, scaledZeros sz: UnsafePointer<Float>, groups: Int,
                            groupSize gs: Int, blocksPerGroup: Int, block b: Int) -> (SIMD16<Float>, SIMD16<Float>) {
    if blocksPerGroup > 0 {
        let g = b / blocksPerGroup
        return (SIMD16(repeating: s[g]), SIMD16(repeating: sz[g]))
    }
    var sv = SIMD16<Float>(), zv = SIMD16<Float>()
    let first = 128 * b / gs, lanesPerGroup = Swift.max(1, gs / 8)
    for lane in 0..<16 {
        let g = Swift.min(groups - 1, first + lane / lanesPerGroup)
        sv[lane] = s[g]
        zv[lane] = sz[g]
    }
    return (sv, zv)
}

#if HOST_AVX512VNNI
/// Per row and block: acc = vpdpbusd(vpdpbusd(0, low nibbles, codes₀), high nibbles, codes₁) (16 lanes of 8
/// products), t += s·(d ⊙ acc) − (s·z)·lane sums; four rows share the input's loads.
@inline(never)
func groupQuantizedDotGEMV_vnni(_ w: GroupQuantizedMatrix, input: GroupQuantizedDotInput, rows: Range<Int>,
                                y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD16<Float>
    let wpr = w.wordsPerRow, blocks = wpr / 16, groups = w.groups, gs = w.groupSize
    // Blocks per group when a group covers whole blocks (one group per row: all of them), else 0.
    let blocksPerGroup = groups == 1 ? blocks : (gs % 128 == 0 ? gs / 128 : 0)
    let mask = _mm512_set1_epi8(0x0F), zero = _mm512_setzero_si512()
    let xq = input.codes, dx = input.laneScales, sums = input.negatedLaneSums
    w.words.withUnsafeBufferPointer { wb in
        w.scales.withUnsafeBufferPointer { sb in
            w.scaledZeros.withUnsafeBufferPointer { zb in
                let words = wb.baseAddress!, scales = sb.baseAddress!, scaledZeros = zb.baseAddress!
                /// Lane scales s and offsets s·z of row j for block b.
                @inline(__always) func grid(_ j: Int, _ b: Int) -> (V, V) {
                    groupQuantizedLaneGrid(scales: scales + j * groups, scaledZeros: scaledZeros + j * groups,
                                           groups: groups, groupSize: gs, blocksPerGroup: blocksPerGroup, block: b)
                }
                /// d ⊙ (Σ of each lane's eight code × input products) of row j, block b.
                @inline(__always) func dot(_ j: Int, _ b: Int, _ x0: __m512i, _ x1: __m512i, _ d: V) -> V {
                    let v = _mm512_loadu_si512(UnsafeRawPointer(words + j * wpr + 16 * b))
                    let low = _mm512_and_si512(v, mask), high = _mm512_and_si512(_mm512_srli_epi32(v, 4), mask)
                    return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, low, x0), high, x1)) * d
                }
                @inline(__always) func store(_ j: Int, _ s: Float) { y[j] = beta == 0 ? s : s + beta * y[j] }
                var j = rows.lowerBound
                while j + 4 <= rows.upperBound {
                    var t0 = V(), t1 = V(), t2 = V(), t3 = V()
                    for b in 0..<blocks {
                        let x0 = _mm512_loadu_si512(UnsafeRawPointer(xq + 128 * b))
                        let x1 = _mm512_loadu_si512(UnsafeRawPointer(xq + 128 * b + 64))
                        let d = UnsafeRawPointer(dx + 16 * b).loadUnaligned(as: V.self)
                        let n = UnsafeRawPointer(sums + 16 * b).loadUnaligned(as: V.self)
                        let (s0, z0) = grid(j, b), (s1, z1) = grid(j + 1, b), (s2, z2) = grid(j + 2, b)
                        let (s3, z3) = grid(j + 3, b)
                        t0 = t0.addingProduct(dot(j, b, x0, x1, d), s0).addingProduct(z0, n)
                        t1 = t1.addingProduct(dot(j + 1, b, x0, x1, d), s1).addingProduct(z1, n)
                        t2 = t2.addingProduct(dot(j + 2, b, x0, x1, d), s2).addingProduct(z2, n)
                        t3 = t3.addingProduct(dot(j + 3, b, x0, x1, d), s3).addingProduct(z3, n)
                    }
                    store(j, horizontalSum(t0)); store(j + 1, horizontalSum(t1))
                    store(j + 2, horizontalSum(t2)); store(j + 3, horizontalSum(t3))
                    j += 4
                }
                while j < rows.upperBound {
                    var t = V()
                    for b in 0..<blocks {
                        let x0 = _mm512_loadu_si512(UnsafeRawPointer(xq + 128 * b))
                        let x1 = _mm512_loadu_si512(UnsafeRawPointer(xq + 128 * b + 64))
                        let d = UnsafeRawPointer(dx + 16 * b).loadUnaligned(as: V.self)
                        let n = UnsafeRawPointer(sums + 16 * b).loadUnaligned(as: V.self)
                        let (s, z) = grid(j, b)
                        t = t.addingProduct(dot(j, b, x0, x1, d), s).addingProduct(z, n)
                    }
                    store(j, horizontalSum(t))
                    j += 1
                }
            }
        }
    }
}
#endif

#if HOST_AVX2
/// The same product with AVX2 (no VNNI): per half block of 64 inputs (words 8h … 8h + 7), `vpmaddubsw` of the low
/// and of the high nibbles with the input codes (pairs of products as 16-bit sums, at most 2·15·127, no
/// saturation), their sum, then `vpmaddwd` with ones: 8 lanes, each one word's eight products.
@inline(never)
func groupQuantizedDotGEMV_avx2(_ w: GroupQuantizedMatrix, input: GroupQuantizedDotInput, rows: Range<Int>,
                                y: UnsafeMutablePointer<Float>, beta: Float) {
    typealias V = SIMD8<Float>
    let wpr = w.wordsPerRow, blocks = wpr / 16, groups = w.groups, gs = w.groupSize
    let blocksPerGroup = groups == 1 ? blocks : (gs % 128 == 0 ? gs / 128 : 0)
    let mask = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1)
    let xq = input.codes, dx = input.laneScales, sums = input.negatedLaneSums
    w.words.withUnsafeBufferPointer { wb in
        w.scales.withUnsafeBufferPointer { sb in
            w.scaledZeros.withUnsafeBufferPointer { zb in
                let words = wb.baseAddress!, scales = sb.baseAddress!, scaledZeros = zb.baseAddress!
                /// Lane scales s and offsets s·z of row j for half h of block b (lanes = words 8h … 8h + 7).
                @inline(__always) func grid(_ j: Int, _ b: Int, _ h: Int) -> (V, V) {
                    let (s, z) = groupQuantizedLaneGrid(scales: scales + j * groups, scaledZeros: scaledZeros + j * groups,
                                                        groups: groups, groupSize: gs, blocksPerGroup: blocksPerGroup, block: b)
                    return h == 0 ? (s.lowHalf, z.lowHalf) : (s.highHalf, z.highHalf)
                }
                @inline(__always) func row(_ j: Int) -> V {
                    var t = V()
                    for b in 0..<blocks {
                        for h in 0..<2 {
                            let x0 = UnsafeRawPointer(xq + 128 * b + 32 * h).loadUnaligned(as: __m256i.self)
                            let x1 = UnsafeRawPointer(xq + 128 * b + 64 + 32 * h).loadUnaligned(as: __m256i.self)
                            let d = UnsafeRawPointer(dx + 16 * b + 8 * h).loadUnaligned(as: V.self)
                            let n = UnsafeRawPointer(sums + 16 * b + 8 * h).loadUnaligned(as: V.self)
                            let v = UnsafeRawPointer(words + j * wpr + 16 * b + 8 * h).loadUnaligned(as: __m256i.self)
                            let low = _mm256_and_si256(v, mask), high = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask)
                            let pairs = _mm256_add_epi16(_mm256_maddubs_epi16(low, x0), _mm256_maddubs_epi16(high, x1))
                            let f = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones)) * d
                            let (s, z) = grid(j, b, h)
                            t = t.addingProduct(f, s).addingProduct(z, n)
                        }
                    }
                    return t
                }
                for j in rows {
                    let s = horizontalSum(row(j))
                    y[j] = beta == 0 ? s : s + beta * y[j]
                }
            }
        }
    }
}
#endif
