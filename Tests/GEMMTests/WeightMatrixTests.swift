@testable import GEMM
import LinearAlgebraCore
import Testing

/// A seeded out × in weight with rows of different scales (so the per-row and per-block grids matter).
private func weight(rows: Int, cols: Int, seed: UInt64) -> Matrix<Float> {
    var w = Matrix<Float>.gaussian(rows: rows, cols: cols, seed: seed)
    for i in 0..<rows { for p in 0..<cols { w.elements[i * cols + p] *= Float(1 + i % 5) * 0.1 } }
    return w
}

/// Seeded random `bits`-bit codes (rows × cols), scales and zeros (rows × groups); act-order-like group indices
/// when `permuted`.
func randomGrid(bits: Int, rows: Int, cols: Int, groupSize: Int, permuted: Bool, seed: UInt64)
    -> (codes: [UInt8], scales: [Float], zeros: [UInt8], groupIndex: [Int32]?) {
    var rng = SeededGenerator(seed: seed)
    let gs = groupSize <= 0 ? cols : groupSize, groups = (cols + gs - 1) / gs, levels = UInt64(1 << bits)
    let codes = (0..<rows * cols).map { _ in UInt8(rng.next() % levels) }
    let scales = (0..<rows * groups).map { _ in Float(rng.next() % 1000 + 1) / 20_000 }
    let zeros = (0..<rows * groups).map { _ in UInt8(rng.next() % levels) }
    var gIdx: [Int32]? = nil
    if permuted {
        var order = Array(0..<cols)
        for i in stride(from: cols - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        var g = [Int32](repeating: 0, count: cols)
        for (position, p) in order.enumerated() { g[p] = Int32(position / gs) }
        gIdx = g
    }
    return (codes, scales, zeros, gIdx)
}

/// A seeded int4 matrix: random codes, scales and zeros; act-order-like group indices when `permuted`.
private func int4Weight(rows: Int, cols: Int, groupSize: Int, permuted: Bool, seed: UInt64) -> GroupQuantizedMatrix {
    let g = randomGrid(bits: 4, rows: rows, cols: cols, groupSize: groupSize, permuted: permuted, seed: seed)
    return GroupQuantizedMatrix(rows: rows, cols: cols, codes: g.codes, scales: g.scales, zeros: g.zeros, groupSize: groupSize,
                                groupIndex: g.groupIndex)
}

/// A seeded 2-, 3- or 8-bit matrix (``PackedCodeMatrix``), as ``int4Weight(rows:cols:groupSize:permuted:seed:)``.
func packedCodeWeight(bits: Int, rows: Int, cols: Int, groupSize: Int, permuted: Bool, seed: UInt64) -> PackedCodeMatrix {
    let g = randomGrid(bits: bits, rows: rows, cols: cols, groupSize: groupSize, permuted: permuted, seed: seed)
    return PackedCodeMatrix(rows: rows, cols: cols, bits: bits, codes: g.codes, scales: g.scales, zeros: g.zeros,
                            groupSize: groupSize, groupIndex: g.groupIndex)
}

/// The bits of the quantizer storages.
private let quantizedBits: [WeightStorage: Int] = [.int2: 2, .int3: 3, .int4: 4, .int8: 8]

/// A seeded quantized matrix in `storage` (int2…int8).
private func quantizedWeight(_ storage: WeightStorage, rows: Int, cols: Int, groupSize: Int, permuted: Bool,
                             seed: UInt64) -> WeightMatrix {
    let bits = quantizedBits[storage]!
    if bits == 4 { return .int4(int4Weight(rows: rows, cols: cols, groupSize: groupSize, permuted: permuted, seed: seed)) }
    return .packedCodes(packedCodeWeight(bits: bits, rows: rows, cols: cols, groupSize: groupSize, permuted: permuted, seed: seed))
}

/// |a − b| ≤ c·ε·Σ|w||x| per output: the bound of two summation orders of the same products.
private func expectClose(_ a: [Float], _ b: [Float], bound: [Float], factor: Float, _ label: String) {
    var worst: Float = 0
    for j in a.indices { worst = max(worst, abs(a[j] - b[j]) / max(bound[j], .leastNormalMagnitude)) }
    #expect(worst <= factor * Float.ulpOfOne, "\(label): worst error \(worst / Float.ulpOfOne) ε·Σ|w||x|")
}

/// y = W x by the SIMD kernel equals the scalar reference (and the product of the dequantized matrix) within
/// c·k·ε·Σ|w_jp x_p|, for every storage, at lengths around the SIMD blocks, serial and on 2 threads.
@Test(arguments: [WeightStorage.f32, .f16, .bf16, .q8, .int2, .int3, .int4, .int8])
func packedGEMVMatchesReference(storage: WeightStorage) {
    // Columns 251: a factor U's r inputs, 27 past the last 32 (two masked vectors in the AVX-512 kernels).
    let shapes = [(1, 1), (5, 17), (37, 130), (64, 576), (19, 1000), (13, 251)]
    let groupSizes = [128, 64, 32, -1, 16]
    for (index, (rows, cols)) in shapes.enumerated() {
        let w: WeightMatrix
        if quantizedBits[storage] != nil {
            w = quantizedWeight(storage, rows: rows, cols: cols, groupSize: groupSizes[index % groupSizes.count],
                                permuted: index % 2 == 1, seed: UInt64(index))
        } else {
            w = WeightMatrix(weight(rows: rows, cols: cols, seed: UInt64(index)), storage: storage)
        }
        let dense = w.dequantized()
        let x = (0..<cols).map { Float(($0 * 37 + index) % 23) / 11 - 1 }
        let y0 = (0..<rows).map { Float($0) / 7 }
        var bound = [Float](repeating: 0, count: rows)
        for j in 0..<rows { for p in 0..<cols { bound[j] += abs(dense[j, p] * x[p]) } }
        for beta: Float in [0, 1] {
            var ref = y0, fast = y0, fast2 = y0, viaDense = y0
            x.withUnsafeBufferPointer { xp in
                w.gemv(xp.baseAddress!, into: &ref, beta: beta, variant: .reference)
                w.gemv(xp.baseAddress!, into: &fast, beta: beta, variant: .simd)
                w.gemv(xp.baseAddress!, into: &fast2, beta: beta, variant: .simd, parallelism: .threads(2),
                       params: GEMMParams(parallelGEMVFlopThreshold: 0))
                WeightMatrix.f32(dense).gemv(xp.baseAddress!, into: &viaDense, beta: beta, variant: .reference)
            }
            let b = bound.enumerated().map { $1 + beta * abs(y0[$0]) }
            let factor = Float(2 * cols + 8)
            expectClose(fast, ref, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) simd")
            expectClose(fast2, ref, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) 2 threads")
            expectClose(viaDense, ref, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) dequantized")
        }
    }
}

/// The rounded-input product (``WeightMatrix/GEMVVariant/int8Input``): the SIMD kernel (VNNI where built for it)
/// equals its scalar reference on the same rounded input x̂ within c·k·ε·Σ|w x̂|, serial and on 2 threads; and it
/// differs from the exact product W x by no more than the input's rounding, Σ_b (d_b / 2)·Σ_{p∈b} |w_p|.
@Test(arguments: [WeightStorage.q8, .int4])
func int8InputGEMVMatchesItsReference(storage: WeightStorage) {
    let shapes = [(1, 1), (5, 17), (37, 130), (64, 576), (19, 1000), (8, 256)]
    let groupSizes = [128, 64, 32, -1, 16, 256]
    for (index, (rows, cols)) in shapes.enumerated() {
        let w: WeightMatrix
        if storage == .int4 {
            w = .int4(int4Weight(rows: rows, cols: cols, groupSize: groupSizes[index % groupSizes.count],
                                 permuted: index % 2 == 1, seed: UInt64(index)))
        } else {
            w = WeightMatrix(weight(rows: rows, cols: cols, seed: UInt64(index)), storage: storage)
        }
        let dense = w.dequantized()
        let x = (0..<cols).map { Float(($0 * 37 + index) % 23) / 11 - 1 + ($0 % 3 == 0 ? 0.013 : 0) }
        // x̂ as the kernels round it (blocks of 32 in the stored column order) and the exact rounding bound.
        var xHat = x
        var perm: [Int] = Array(0..<cols)
        if case let .int4(g) = w, let p = g.permutation { perm = p.map { Int($0) } }
        var roundingBound = [Float](repeating: 0, count: rows)
        for b in 0..<(cols + 31) / 32 {
            let members = (32 * b..<min(cols, 32 * b + 32)).map { perm[$0] }
            let amax = members.map { abs(x[$0]) }.max()!
            let d = amax / 127
            for p in members {
                xHat[p] = d == 0 ? 0 : d * max(-127, min(127, (x[p] * (1 / d)).rounded(.toNearestOrEven)))
                for j in 0..<rows { roundingBound[j] += d / 2 * abs(dense[j, p]) * (1 + 0x1p-20) }
            }
        }
        var bound = [Float](repeating: 0, count: rows), exactBound = bound
        for j in 0..<rows {
            for p in 0..<cols { bound[j] += abs(dense[j, p] * xHat[p]); exactBound[j] += abs(dense[j, p] * x[p]) }
        }
        for beta: Float in [0, 1] {
            let y0 = (0..<rows).map { Float($0) / 7 }
            var fast = y0, fast2 = y0, onRounded = y0, exact = y0
            x.withUnsafeBufferPointer { xp in
                w.gemv(xp.baseAddress!, into: &fast, beta: beta, variant: .int8Input)
                w.gemv(xp.baseAddress!, into: &fast2, beta: beta, variant: .int8Input, parallelism: .threads(2),
                       params: GEMMParams(parallelGEMVFlopThreshold: 0))
                w.gemv(xp.baseAddress!, into: &exact, beta: beta, variant: .reference)
            }
            xHat.withUnsafeBufferPointer { w.gemv($0.baseAddress!, into: &onRounded, beta: beta, variant: .reference) }
            var avx2 = y0
            #if HOST_AVX2
            // The AVX2 kernels (the build's choice where VNNI is missing) are reachable on any AVX2 host.
            x.withUnsafeBufferPointer { xp in
                switch w {
                case let .q8(m):
                    BlockQ8DotInput.with(m, x: xp.baseAddress!) {
                        blockQ8DotGEMV_avx2(m, input: $0, rows: 0..<rows, y: &avx2, beta: beta)
                    }
                case let .int4(m) where groupQuantizedGEMVSupports(m):
                    GroupQuantizedDotInput.with(m, x: xp.baseAddress!) {
                        groupQuantizedDotGEMV_avx2(m, input: $0, rows: 0..<rows, y: &avx2, beta: beta)
                    }
                default:
                    w.gemv(xp.baseAddress!, into: &avx2, beta: beta, variant: .int8Input)
                }
            }
            #else
            avx2 = fast
            #endif
            let b = bound.enumerated().map { $1 + beta * abs(y0[$0]) }
            let factor = Float(2 * cols + 16)
            expectClose(fast, onRounded, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) int8Input")
            expectClose(avx2, onRounded, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) int8Input AVX2")
            expectClose(fast2, onRounded, bound: b, factor: factor, "\(storage) \(rows)×\(cols) β=\(beta) int8Input 2 threads")
            for j in 0..<rows {
                let allowed = roundingBound[j] + factor * Float.ulpOfOne * (exactBound[j] + bound[j] + beta * abs(y0[j]))
                #expect(abs(fast[j] - exact[j]) <= allowed, "\(storage) \(rows)×\(cols) row \(j): \(abs(fast[j] - exact[j])) > \(allowed)")
            }
        }
    }
}

/// The many-token product (panels dequantized, then GEMM) equals X·dequantized(W)ᵀ.
@Test(arguments: [WeightStorage.f16, .bf16, .q8, .int2, .int3, .int4, .int8])
func packedMultiplyMatchesDequantizedGEMM(storage: WeightStorage) {
    let (rows, cols, tokens) = (300, 96, 7)
    let w: WeightMatrix = quantizedBits[storage] != nil
        ? quantizedWeight(storage, rows: rows, cols: cols, groupSize: 32, permuted: true, seed: 9)
        : WeightMatrix(weight(rows: rows, cols: cols, seed: 4), storage: storage)
    let x = Matrix<Float>.gaussian(rows: tokens, cols: cols, seed: 5)
    let expected = matmul(x, w.dequantized(), transB: .transposed)
    for threads in [1, 2] {
        var c = Matrix<Float>(rows: tokens, cols: rows)
        x.withView { xv in c.withMutableView { w.multiply(xv, into: $0, beta: 0, parallelism: .threads(threads)) } }
        var worst: Float = 0
        for i in c.elements.indices { worst = max(worst, abs(c.elements[i] - expected.elements[i])) }
        #expect(worst <= 1e-4, "\(storage), \(threads) threads: \(worst)")
    }
}

/// Rounding to f16 / bf16 is to nearest (relative error ≤ 2⁻¹¹ / 2⁻⁸); q8 errs by at most d/2 = max|w_block|/254.
@Test func conversionErrorBounds() {
    let m = weight(rows: 9, cols: 70, seed: 2)
    let f16 = WeightMatrix(m, storage: .f16).dequantized(), bf16 = WeightMatrix(m, storage: .bf16).dequantized()
    let q8 = WeightMatrix(m, storage: .q8).dequantized()
    for i in 0..<m.rows {
        for b in 0..<3 {
            let lo = 32 * b, hi = min(70, lo + 32)
            let amax = (lo..<hi).map { abs(m[i, $0]) }.max()!
            for p in lo..<hi {
                let v = m[i, p]
                #expect(abs(f16[i, p] - v) <= abs(v) * 0x1p-11 + 0x1p-24)
                #expect(abs(bf16[i, p] - v) <= abs(v) * 0x1p-8)
                #expect(abs(q8[i, p] - v) <= amax / 254 * (1 + 0x1p-10) + amax * 0x1p-11)
            }
        }
    }
    #expect(WeightMatrix(m, storage: .q8).byteCount == 9 * 128 + 2 * 9 * 4)
    #expect(WeightMatrix(m, storage: .f16).byteCount == 2 * 9 * 70)
}

/// The int4 packing: codes read back at every stored column, groups made contiguous by the act-order permutation.
@Test func groupQuantizedPackingRoundTrips() {
    let g = int4Weight(rows: 3, cols: 200, groupSize: 64, permuted: true, seed: 1)
    let p = g.permutation!
    #expect(Set(p).count == 200)
    let dense = WeightMatrix.int4(g).dequantized()
    for i in 0..<3 {
        for c in 0..<200 {
            let grp = c / 64
            let expected = g.scales[i * g.groups + grp] * Float(g.code(i, storedColumn: c) - Int(g.zeros[i * g.groups + grp]))
            #expect(dense[i, Int(p[c])] == expected)
        }
    }
}

/// The bit-level widenings equal Swift's own conversions for every finite half and bfloat16 (subnormals, signed
/// zeros and the extremes included), and the code conversion is exact for every byte and nibble.
@Test func floatBitsWideningIsExact() {
    var finiteHalves: [UInt16] = [], bfloats: [UInt16] = []
    for b in 0...UInt16.max {
        if Float16(bitPattern: b).isFinite { finiteHalves.append(b) }
        if Float(bitPattern: UInt32(b) << 16).isFinite { bfloats.append(b) }
    }
    func check(_ values: [UInt16], _ widen: (SIMD16<UInt32>) -> (SIMD16<Float>, SIMD16<Float>), _ scalar: (UInt16) -> Float) -> Int {
        var bad = 0
        for i in stride(from: 0, to: values.count - 32, by: 32) {
            var w = SIMD16<UInt32>()
            for l in 0..<16 { w[l] = UInt32(values[i + 2 * l]) | UInt32(values[i + 2 * l + 1]) << 16 }
            let (lo, hi) = widen(w)
            for l in 0..<16 {
                if lo[l].bitPattern != scalar(values[i + 2 * l]).bitPattern { bad += 1 }
                if hi[l].bitPattern != scalar(values[i + 2 * l + 1]).bitPattern { bad += 1 }
            }
        }
        return bad
    }
    #expect(check(finiteHalves, FloatBits.halves) { Float(Float16(bitPattern: $0)) } == 0)
    #expect(check(bfloats, FloatBits.bfloatHalves) { Float(bitPattern: UInt32($0) << 16) } == 0)
    for z in 0..<256 {
        let u = SIMD16<UInt32>((0..<16).map { UInt32(($0 * 17 + z) % 256) })
        let f = FloatBits.float(u, minus: SIMD16<Float>(repeating: FloatBits.magicValue + Float(z)))
        for l in 0..<16 { #expect(f[l] == Float(Int(u[l]) - z)) }
    }
}

/// A matrix read through a decoder (``WeightStorage/mapped``) multiplies exactly as the same matrix held in f32:
/// the decoder only moves rows, and the panels run the same GEMM (one token and many, serial and on 2 threads).
@Test func decodedMatrixMultipliesAsItsF32Matrix() {
    for (index, (rows, cols)) in [(1, 1), (5, 17), (37, 130), (100, 576)].enumerated() {
        let m = weight(rows: rows, cols: cols, seed: UInt64(40 + index))
        let f32 = WeightMatrix.f32(m), decoded = WeightMatrix.decoded(DecodedMatrix(MatrixRowDecoder(m)))
        #expect(decoded.storage == .mapped && decoded.byteCount == f32.byteCount)
        #expect(decoded.dequantized() == m)
        #expect(decoded.dequantized(rows: 1..<rows) == f32.dequantized(rows: 1..<rows))
        let x = Matrix<Float>.gaussian(rows: 7, cols: cols, seed: UInt64(50 + index))
        for parallelism in [Parallelism.serial, .threads(2)] {
            var y1 = [Float](repeating: 0.5, count: rows), y2 = y1
            x.elements.withUnsafeBufferPointer { xp in
                f32.gemv(xp.baseAddress!, into: &y1, beta: 1, parallelism: parallelism)
                decoded.gemv(xp.baseAddress!, into: &y2, beta: 1, parallelism: parallelism)
            }
            let scale = m.elements.map(abs).max()! * x.elements.prefix(cols).map(abs).reduce(0, +) + 1
            for j in 0..<rows { #expect(abs(y1[j] - y2[j]) <= 4 * Float(cols) * Float.ulpOfOne * scale) }
            var c1 = Matrix<Float>(rows: 7, cols: rows), c2 = c1
            x.withView { xv in
                c1.withMutableView { f32.multiply(xv, into: $0, beta: 0, parallelism: parallelism) }
                c2.withMutableView { decoded.multiply(xv, into: $0, beta: 0, parallelism: parallelism) }
            }
            #expect(c1 == c2)
        }
    }
}

/// The input rounding of the integer-dot products: the SIMD rounding (AVX-512 build targets) gives the reference's
/// codes and scales bit for bit — ties (x·(1/d) = k + ½), zeros, an all-zero block, the ±127 ends.
@Test func int8InputRoundingMatchesItsReference() {
    var rng = SeededGenerator(seed: 21)
    let count = 32 * 9
    var x = (0..<count).map { _ in Float(Int(rng.next() % 2001) - 1000) / 37 }
    for p in 32..<64 { x[p] = 0 }                         // an all-zero block
    for p in 64..<96 { x[p] = Float(p - 80) * 0.5 }       // many halves: ties after scaling by 127/8
    x[100] = -1e-30; x[101] = 3e38; x[102] = -3e38        // extremes in one block
    var codes = [Int8](repeating: 0, count: count), fastCodes = codes
    var scales = [Float](repeating: 0, count: count / 32), fastScales = scales
    Int8Input.roundScalar(x, count: count, codes: &codes, scales: &scales)
    Int8Input.round(x, count: count, codes: &fastCodes, scales: &fastScales)
    #expect(codes == fastCodes)
    #expect(scales == fastScales)
    #expect(codes[32..<64].allSatisfy { $0 == 0 } && scales[1] == 0)
    #expect(codes.allSatisfy { $0 >= -127 })
}
