import Factorizations
import GEMM
import LinearAlgebraCore

/// GPTQ (Frantar et al. 2023, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"),
/// step for step as IST-DASLab `gptq.py` `GPTQ.fasterquant` (static_groups=False): quantizes W (out × in) column by
/// column and spreads each column's rounding error over the columns not yet quantized, so as to minimize the layer's
/// output error ‖X(W − Ŵ)ᵀ‖² over the calibration inputs X (N × in), whose Gram G = ΣXᵀX is given.
///
///     H = 2G/N;   dead inputs (H_ii = 0): H_ii ← 1, W[:, i] ← 0
///     act-order: permute the columns of W and both sides of H by decreasing H_ii (stable: ties keep index order)
///     λ = percdamp · mean(diag H),   H ← H + λI
///     U = chol(H⁻¹) upper (UᵀU = H⁻¹), the inverse of the upper factor M of H = MMᵀ
///     for each block of B columns i1..<i2, W₁ = W[:, i1..<i2]:
///       for each column c = i1 + i:
///         at a group start (c % s = 0): each row's grid ← fit(W[:, c..<c+s])
///         q = quantize(W₁[:, i]),  d = U_cc,  e = (W₁[:, i] − q)/d,  loss += (W₁[:, i] − q)²/(2d²)
///         W₁[:, i..<i2] −= e ⊗ U[c, i1+i..<i2]                    (one rounded product per weight)
///         E[:, i] = e
///       W[:, i2...] −= E · U[i1..<i2, i2...]                        (the lazy batch update, a GEMM)
///
/// with s = group size and the grid of ``QuantizationGrid``; per row (s = −1) the grid is fitted once, on W as given.
///
/// Two quirks of gptq.py are kept so that codes agree with it: the per-row grid is fitted before the dead columns are
/// zeroed, and a group starting inside a block is fitted on W — the weights as they stood when the block began — not
/// on W₁, which already carries the updates from the block's earlier columns.
///
/// Precision. As in gptq.py, W, U, the errors and the in-block updates are Float, each operation rounded once, so
/// the weights that are rounded — and their codes — are those of PyTorch float32. Two places differ on purpose, both
/// to make the result independent of any BLAS's or LAPACK's summation order (the fixture test compares codes
/// exactly): H, λ and the triangular factors are computed in Double from the Double Gram and only U is rounded to
/// Float (gptq.py: float32 LAPACK); the block update E·U[i1..<i2, i2...] is accumulated in Double (products of Floats
/// are exact there) and rounded to Float once before it is subtracted (gptq.py: a float32 GEMM).
///
/// Rows are independent (they share U only), so tiles of rows run in parallel over `parallelism`; the result does not
/// depend on the thread count.
///
/// - Parameters:
///   - weight: W, out × in, finite.
///   - gram: G = Σ XᵀX over the calibration tokens (in × in, Double, both triangles), finite.
///   - sampleCount: N, the number of rows of X (tokens) accumulated in `gram`.
///   - name: names `weight` in errors (the Gram is "<name>.gram").
/// - Throws: ``QuantizationError`` for an unsupported format (naming `params.format.bits` / `.groupSize`), a group
///   size that does not divide in, a non-finite weight or Gram, a Gram of the wrong size, bad `blockSize`,
///   `percdamp` or `sampleCount`, or a Hessian that is not positive definite after damping.
public func gptq(weight: Matrix<Float>, gram: Matrix<Double>, sampleCount: Int, params: GPTQParams = .default,
                 name: String = "weight", parallelism: Parallelism = .serial) throws(QuantizationError) -> GPTQResult {
    let (rows, cols) = (weight.rows, weight.cols)
    let format = params.format, gramName = "\(name).gram"
    try validateGPTQArguments(weight: weight, gram: gram, sampleCount: sampleCount, params: params, name: name)
    let size = format.columnsPerGroup(columns: cols), groups = format.groupCount(columns: cols)
    let perRow = format.groupSize == -1

    var scales = [Float](repeating: 0, count: rows * groups), zeros = scales
    if perRow {  // gptq.py: find_params on W before the dead columns are zeroed
        for r in 0..<rows {
            let grid = QuantizationGrid(fitting: Array(weight.elements[r * cols..<(r + 1) * cols]), bits: format.bits,
                                        symmetric: format.symmetric)
            (scales[r], zeros[r]) = (grid.scale, grid.zero)
        }
    }

    // H = 2G/N; dead inputs.
    var h = Matrix<Double>(rows: cols, cols: cols) { 2 * gram[$0, $1] / Double(sampleCount) }
    var w = weight
    var deadColumns = [Int]()
    for i in 0..<cols where h[i, i] == 0 {
        h[i, i] = 1
        for r in 0..<rows { w[r, i] = 0 }
        deadColumns.append(i)
    }

    // Act-order: decreasing diag H.
    var permutation: [Int]?
    if params.actOrder {
        let p = (0..<cols).sorted { h[$0, $0] > h[$1, $1] || (h[$0, $0] == h[$1, $1] && $0 < $1) }
        let (wp, hp) = (w, h)
        w = Matrix(rows: rows, cols: cols) { wp[$0, p[$1]] }
        h = Matrix(rows: cols, cols: cols) { hp[p[$0], p[$1]] }
        permutation = p
    }

    // Dampening and U = chol(H⁻¹) upper.
    var diagonalSum = 0.0
    for i in 0..<cols { diagonalSum += h[i, i] }
    let damping = params.percdamp * (diagonalSum / Double(cols))
    for i in 0..<cols { h[i, i] += damping }
    let u = try inverseHessianFactor(h, tensor: gramName, damping: damping, parallelism: parallelism)

    // Column by column, in blocks; tiles of rows in parallel.
    var codes = [UInt8](repeating: 0, count: rows * cols)  // in the processing (permuted) order
    var rowLoss = [Double](repeating: 0, count: rows)
    let maxq = format.maxq, blockSize = params.blockSize
    let tile = 32, tiles = (rows + tile - 1) / tile
    w.elements.withUnsafeMutableBufferPointer { wAll in
    codes.withUnsafeMutableBufferPointer { codesAll in
    scales.withUnsafeMutableBufferPointer { scalesAll in
    zeros.withUnsafeMutableBufferPointer { zerosAll in
    rowLoss.withUnsafeMutableBufferPointer { lossAll in
    u.elements.withUnsafeBufferPointer { uAll in
        for i1 in stride(from: 0, to: cols, by: blockSize) {
            let i2 = Swift.min(i1 + blockSize, cols), count = i2 - i1
            let panel = Matrix<Double>(rows: count, cols: cols - i2) { Double(uAll[(i1 + $0) * cols + i2 + $1]) }
            parallelism.forEachTask(tiles) { t, _ in
                let tileRows = (t * tile)..<Swift.min(rows, (t + 1) * tile)
                var w1 = [Float](repeating: 0, count: count)
                var errors = Matrix<Double>(rows: tileRows.count, cols: count)  // E, exact copies of Float values
                for r in tileRows {
                    let wRow = wAll.baseAddress! + r * cols
                    for j in 0..<count { w1[j] = wRow[i1 + j] }
                    var loss = 0.0
                    for i in 0..<count {
                        let c = i1 + i
                        if !perRow && c % size == 0 {  // fitted on W, not on w1 (see above)
                            let grid = QuantizationGrid(fitting: UnsafeBufferPointer(start: wRow + c, count: size),
                                                        bits: format.bits, symmetric: format.symmetric)
                            scalesAll[r * groups + c / size] = grid.scale
                            zerosAll[r * groups + c / size] = grid.zero
                        }
                        let g = r * groups + (perRow ? 0 : c / size)
                        let grid = QuantizationGrid(scale: scalesAll[g], zero: zerosAll[g], maxq: maxq)
                        let x = w1[i], q = grid.code(x)
                        codesAll[r * cols + c] = UInt8(q)
                        let d = uAll[c * cols + c], e = x - grid.value(ofCode: q)
                        loss += Double(e * e / (d * d) / 2)
                        let err = e / d
                        let uRow = uAll.baseAddress! + c * cols + i1
                        for j in i..<count { w1[j] -= err * uRow[j] }
                        errors[r - tileRows.lowerBound, i] = Double(err)
                    }
                    lossAll[r] += loss
                }
                guard i2 < cols else { return }
                let update = matmul(errors, panel, parallelism: .serial)  // tile × (cols − i2), Double sums
                for r in tileRows {
                    let wRow = wAll.baseAddress! + r * cols + i2, uRow = r - tileRows.lowerBound
                    for j in 0..<(cols - i2) { wRow[j] -= Float(update[uRow, j]) }
                }
            }
        }
    }}}}}}

    var groupIndex: [Int32]?
    if let p = permutation {  // back to the original column order; groups are consecutive in the permuted order
        let permuted = codes
        groupIndex = [Int32](repeating: 0, count: cols)
        for j in 0..<cols {
            groupIndex![p[j]] = Int32(j / size)
            for r in 0..<rows { codes[r * cols + p[j]] = permuted[r * cols + j] }
        }
    }
    let weights = QuantizedWeights(rows: rows, cols: cols, bits: format.bits, groupSize: format.groupSize,
                                   symmetric: format.symmetric, codes: codes, scales: scales, zeros: zeros,
                                   groupIndex: groupIndex)
    return GPTQResult(weights: weights, loss: rowLoss.reduce(0, +), damping: damping, deadColumns: deadColumns,
                      permutation: permutation)
}

/// The checks of ``gptq(weight:gram:sampleCount:params:name:parallelism:)``, in the order the errors are reported.
func validateGPTQArguments(weight: Matrix<Float>, gram: Matrix<Double>, sampleCount: Int, params: GPTQParams,
                           name: String) throws(QuantizationError) {
    try params.format.validate(columns: weight.cols, tensor: name, argument: "params.format")
    guard params.blockSize >= 1 else {
        throw .invalidArgument(name: "params.blockSize", reason: "must be ≥ 1, got \(params.blockSize)")
    }
    guard params.percdamp >= 0 && params.percdamp.isFinite else {
        throw .invalidArgument(name: "params.percdamp", reason: "must be finite and ≥ 0, got \(params.percdamp)")
    }
    guard sampleCount >= 1 else {
        throw .invalidArgument(name: "sampleCount", reason: "must be ≥ 1, got \(sampleCount)")
    }
    guard weight.rows >= 1 && weight.cols >= 1 else {
        throw .shapeMismatch(tensor: name, expected: "at least 1×1", got: "\(weight.rows)×\(weight.cols)")
    }
    guard gram.rows == weight.cols && gram.cols == weight.cols else {
        throw .gramSizeMismatch(tensor: "\(name).gram", expected: weight.cols, rows: gram.rows, cols: gram.cols)
    }
    try checkFinite(weight, tensor: name)
    try checkFinite(gram, tensor: "\(name).gram")
}

/// U (upper triangular, Float) with UᵀU = H⁻¹ for symmetric positive definite H (Double), the upper Cholesky
/// factor of H⁻¹ that gptq.py computes as cholesky, cholesky_inverse, cholesky(upper=True). Here without forming
/// H⁻¹: with J the order reversal (J² = I) and JHJ = L̃L̃ᵀ (Cholesky),
///
///     H = MMᵀ,  M = J L̃ J upper   ⇒   H⁻¹ = M⁻ᵀM⁻¹,   U = M⁻¹ = J L̃⁻¹ J,
///
/// upper triangular with a positive diagonal, hence the Cholesky factor (it is unique): one Cholesky and one
/// triangular inverse (⅓n³ + ⅙n³ multiply-adds instead of gptq.py's ≈ 2n³), in Double, rounded to Float at the end.
/// A failure at pivot p of JHJ is reported as column n − 1 − p of H: the trailing block H[c…, c…] from that column
/// c on is not positive definite.
func inverseHessianFactor(_ h: Matrix<Double>, tensor: String, damping: Double,
                          parallelism: Parallelism) throws(QuantizationError) -> Matrix<Float> {
    let n = h.rows
    func mapped(_ error: FactorizationError) -> QuantizationError {
        if case let .notPositiveDefinite(pivot) = error {
            return .notPositiveDefinite(tensor: tensor, pivot: n - 1 - pivot, damping: damping)
        }
        return .invalidArgument(name: tensor, reason: error.description)
    }
    do {
        let reversed = Matrix<Double>(rows: n, cols: n) { h[n - 1 - $0, n - 1 - $1] }  // JHJ
        let inverse = try triangularInverse(part: .lower, Cholesky(reversed, parallelism: parallelism).l,
                                            parallelism: parallelism)  // L̃⁻¹
        return Matrix(rows: n, cols: n) { i, j in j >= i ? Float(inverse[n - 1 - i, n - 1 - j]) : 0 }
    } catch {
        throw mapped(error)
    }
}
