import Foundation
import GEMM
import LinearAlgebraCore
import Quantization
import TransformerRuntime

/// GPTQ or round-to-nearest, applied to a whole model block by block.
public enum WeightQuantizationMethod: String, Sendable, Codable, CaseIterable {
    case gptq, rtn
}

/// Why a model could not be quantized; every case names the argument or the tensor at fault.
public enum ModelQuantizationError: Error, Equatable, CustomStringConvertible {
    /// A bad argument (bits, group size, damping, embedding bits, windows, …).
    case invalidArgument(name: String, reason: String)
    /// The model already holds quantized (int2/3/4/8) weights.
    case alreadyQuantized(tensor: String)
    /// Quantizing the named tensor failed (non-finite weights, a Hessian not positive definite, …).
    case tensor(name: String, reason: String)
    /// Saving is not implemented for this format.
    case cannotSave(reason: String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, reason): return "invalid \(name): \(reason)"
        case let .alreadyQuantized(tensor): return "the model is already quantized (tensor '\(tensor)' holds GPTQ/RTN codes)"
        case let .tensor(name, reason): return "tensor '\(name)': \(reason)"
        case let .cannotSave(reason): return "cannot save: \(reason)"
        }
    }
}

/// The settings of ``SequentialQuantizer``.
public struct SequentialQuantizationOptions: Sendable, Codable, Equatable {
    public var method: WeightQuantizationMethod
    /// 2, 3, 4 or 8: stored as the runtime's int4 (``GroupQuantizedMatrix``) or int2 / int3 / int8
    /// (``PackedCodeMatrix``).
    public var bits: Int
    /// 32, 64, 128 or −1 (one group per row). A group size that does not divide a matrix's input count leaves a
    /// partial last group (⌈in / groupSize⌉ groups).
    public var groupSize: Int
    public var symmetric: Bool
    public var actOrder: Bool
    /// GPTQ's percdamp.
    public var damp: Double
    /// Token embedding (and tied output): 8 (``BlockQ8Matrix``), 16 (f16) or 32 (f32, unchanged).
    public var embeddingBits: Int
    /// With GPTQ, also measure round-to-nearest's output error on the same Grams (for the report).
    public var measureRTN: Bool

    public init(method: WeightQuantizationMethod = .gptq, bits: Int = 4, groupSize: Int = 128, symmetric: Bool = false,
                actOrder: Bool = false, damp: Double = 0.01, embeddingBits: Int = 32, measureRTN: Bool = true) {
        self.method = method
        self.bits = bits
        self.groupSize = groupSize
        self.symmetric = symmetric
        self.actOrder = actOrder
        self.damp = damp
        self.embeddingBits = embeddingBits
        self.measureRTN = measureRTN
    }

    /// Checks the arguments (errors name the command-line option).
    public func validate() throws(ModelQuantizationError) {
        guard QuantizationFormat.supportedBits.contains(bits) else {
            throw .invalidArgument(name: "--bits", reason: "\(bits) is not 2, 3, 4 or 8")
        }
        guard QuantizationFormat.supportedGroupSizes.contains(groupSize) else {
            throw .invalidArgument(name: "--group-size", reason: "\(groupSize) is not 32, 64, 128 or -1 (per row)")
        }
        guard damp.isFinite, damp > 0, damp < 1 else { throw .invalidArgument(name: "--damp", reason: "\(damp) is not in (0, 1)") }
        guard [8, 16, 32].contains(embeddingBits) else {
            throw .invalidArgument(name: "--embedding-bits", reason: "\(embeddingBits) is not 8, 16 or 32")
        }
        if actOrder && method == .rtn { throw .invalidArgument(name: "--act-order", reason: "only with --method gptq") }
    }
}

/// One quantized matrix: its output error ‖(W − Q)X‖² over the calibration tokens for GPTQ and for RTN.
public struct QuantizedMatrixRecord: Sendable, Codable, Equatable {
    public var layer: Int
    /// Hugging Face module (`model.layers.3.self_attn.q_u_proj` for a factor).
    public var module: String
    public var rows: Int
    public var cols: Int
    public var groupSize: Int
    public var gptqError: Double?
    public var rtnError: Double?
    /// ‖WX‖² (the scale of the errors), when measured.
    public var outputNorm: Double?
}

/// What ``SequentialQuantizer/run(_:windows:)`` did.
public struct SequentialQuantizationReport: Sendable, Codable, Equatable {
    public var options: SequentialQuantizationOptions
    public var nsamples: Int
    public var seqlen: Int
    public var matrices: [QuantizedMatrixRecord]
    public struct Seconds: Sendable, Codable, Equatable {
        public var profiling = 0.0
        public var quantization = 0.0
        public var propagation = 0.0
        public var total = 0.0
    }
    public var seconds = Seconds()
}

/// Quantizes a model's decoder linears block by block and, inside a block, group by group, as GPTQ's own LLaMA
/// driver does with `--true-sequential`: every linear is quantized on inputs that went through the already quantized
/// blocks 0…i−1 and the already quantized groups of its own block.
///
///     H ← embed(windows)            (through the quantized embedding when --embedding-bits < 32)
///     for each block i, for each linear group g ({q,k,v}, {o}, {gate,up}, {down}; ``DecoderBlock/linearGroups``):
///       step the windows to group g's input X through block i's quantized groups 0..<g:  G = Σ XᵀX
///       dense W:      Q = gptq(W, G)
///       low-rank UV:  V_q = gptq(V, G);  G_U = Σ (V_q x)(V_q x)ᵀ = V_q G V_qᵀ;  U_q = gptq(U, G_U)
///       swap group g's linears for their quantized forms
///     H ← the last group's products (the quantized block's output)
///
/// One pass of each block over the calibration windows (``stepLayerWindows(_:layer:step:states:accumulate:parallelism:)``:
/// the steps of ``DecoderBlock``, the windows' states kept between them), run with the block's linears as they are
/// quantized (their dequantized weights in f32, the packed forms swapped in when the block is done); U's inputs V_q x
/// follow from G without another pass (``factorGram(_:vq:parallelism:)``). Peak memory adds to the model every
/// window's residual stream and current group input (windows × seqlen × (hidden + the widest group input) Floats).
///
/// RTN needs no Grams: every matrix is rounded without a forward pass (unless its errors are measured).
///
/// Partial groups: GPTQ's and RTN's quantizers here take whole groups, so a matrix whose input count n is not a
/// multiple of the group size s (SmolLM2's hidden 576 with s = 128; a factor U of rank r) is padded with zero
/// columns to ⌈n/s⌉·s and its Gram with a zero block whose diagonal is 10⁻³⁰⁰ (so the pads are never "dead", sort
/// last under act-order and take no error), and percdamp is scaled by ⌈n/s⌉·s / n so that λ = percdamp·mean(diag H)
/// over the real inputs. The min/max grid always contains 0, so the last group's grid is that of its real inputs:
/// the result is gptq.py's partial last group. The pads are dropped: the stored matrix has ⌈n/s⌉ groups, the
/// last one partial.
///
/// Scales are rounded to f16 (the checkpoint's type) before the matrix is stored, so a model loaded back from disk
/// equals the one in memory.
public struct SequentialQuantizer {
    public var options: SequentialQuantizationOptions
    public var parallelism: Parallelism
    /// Progress lines (stderr in the CLI).
    public var progress: ((String) -> Void)?

    public init(options: SequentialQuantizationOptions, parallelism: Parallelism) {
        self.options = options
        self.parallelism = parallelism
    }

    /// The storages a quantizer writes.
    static let quantizedStorages: Set<WeightStorage> = [.int2, .int3, .int4, .int8]

    /// Throws when `model` already holds quantized (int2/3/4/8) weights.
    public static func checkNotQuantized(_ model: CausalLM) throws(ModelQuantizationError) {
        let opt = model.config.architecture == .opt
        for (i, b) in model.blocks.enumerated() {
            for n in b.linearNames {
                let (u, v) = b.linear(n).factors
                if quantizedStorages.contains(u.storage) || v.map({ quantizedStorages.contains($0.storage) }) == true {
                    throw .alreadyQuantized(tensor: LowRankTensorNames.module(layer: i, name: n, opt: opt))
                }
            }
        }
    }

    public func run(_ model: inout CausalLM, windows: [[Int]]) throws -> SequentialQuantizationReport {
        try options.validate()
        try Self.checkNotQuantized(model)
        let start = Date()
        let needGrams = options.method == .gptq || options.measureRTN
        if needGrams {
            guard let seqlen = windows.first?.count, seqlen > 0, windows.allSatisfy({ $0.count == seqlen }) else {
                throw ModelQuantizationError.invalidArgument(name: "windows", reason: "need ≥ 1 window, all of one length")
            }
        }
        var report = SequentialQuantizationReport(options: options, nsamples: windows.count, seqlen: windows.first?.count ?? 0,
                                                  matrices: [])
        // The embedding first, so that the calibration stream starts from the quantized embedding.
        Self.quantizeEmbedding(&model, bits: options.embeddingBits)
        let opt = model.config.architecture == .opt
        // The windows' states at the current block: its input h, then the input x of the group reached.
        var states: [BlockState] = needGrams ? try windows.map { BlockState(h: try model.embed($0)) } : []
        let layers = model.layerCount
        for i in 0..<layers {
            let layerStart = Date()
            let groups = model.blocks[i].linearGroups
            var packed: [(LinearName, Linear)] = []
            for (g, names) in groups.enumerated() {
                var stats: GramAccumulator? = nil
                if needGrams {  // the windows up to group g's input, through the block's quantized groups 0..<g
                    let t = Date()
                    stats = stepLayerWindows(model, layer: i, step: g, states: &states, accumulate: true, parallelism: parallelism)
                    report.seconds.profiling += Date().timeIntervalSince(t)
                }
                let t = Date()
                for name in names {
                    let module = LowRankTensorNames.module(layer: i, name: name, opt: opt)
                    let q = try quantize(model.blocks[i].linear(name), stats: stats, layer: i, module: module)
                    report.matrices += q.records
                    try model.setLinear(layer: i, name: name, to: q.widened)  // for the block's later steps
                    packed.append((name, q.packed))
                }
                report.seconds.quantization += Date().timeIntervalSince(t)
            }
            if needGrams && i + 1 < layers {  // the last group's products: the next block's input
                let t = Date()
                _ = stepLayerWindows(model, layer: i, step: groups.count, states: &states, accumulate: false, parallelism: parallelism)
                report.seconds.propagation += Date().timeIntervalSince(t)
            }
            for (name, linear) in packed { try model.setLinear(layer: i, name: name, to: linear) }
            let elapsed = Date().timeIntervalSince(start), done = Double(i + 1) / Double(layers)
            progress?(String(format: "quantize: layer %d/%d (%@ %d-bit) %.1f s, %.0f s elapsed, ETA %.0f s", i + 1, layers,
                             options.method.rawValue, options.bits, Date().timeIntervalSince(layerStart), elapsed,
                             elapsed / done * (1 - done)))
        }
        report.seconds.total = Date().timeIntervalSince(start)
        return report
    }

    /// One linear quantized on the statistics of its input (nil without calibration): a dense W as Q = quantize(W);
    /// a low-rank U·V as V_q = quantize(V) on them and U_q = quantize(U) on those of V_q x (``factorGram(_:vq:parallelism:)``).
    /// Returns the packed linear, the same weights widened to f32 (for the products of the calibration pass: the
    /// whole-matrix GEMM instead of dequantizing panels for every window), and the records of its matrices.
    func quantize(_ linear: Linear, stats: GramAccumulator?, layer: Int, module: String) throws
        -> (packed: Linear, widened: Linear, records: [QuantizedMatrixRecord]) {
        switch linear {
        case let .dense(w, bias):
            let (q, rec) = try quantize(w, stats: stats, layer: layer, module: module)
            return (.packed(weight: q.matrix(bits: options.bits), bias: bias), .dense(weight: q.dequantized, bias: bias), [rec])
        case let .lowRank(u, v, bias):
            let names = LowRankTensorNames.factors(ofModule: module)
            let (vq, vRec) = try quantize(v, stats: stats, layer: layer, module: names.v)
            let uStats = stats.map { Self.factorGram($0, vq: vq.dequantized, parallelism: parallelism) }
            let (uq, uRec) = try quantize(u, stats: uStats, layer: layer, module: names.u)
            return (.packedLowRank(u: uq.matrix(bits: options.bits), v: vq.matrix(bits: options.bits), bias: bias),
                    .lowRank(u: uq.dequantized, v: vq.dequantized, bias: bias), [vRec, uRec])
        default:
            throw ModelQuantizationError.tensor(name: module, reason: "stored as \(linear.storage.rawValue); quantize needs f32 weights")
        }
    }

    /// The token embedding (and the tied output) in `bits`: 8 → q8, 16 → f16, 32 → unchanged.
    public static func quantizeEmbedding(_ model: inout CausalLM, bits: Int) {
        let storage: WeightStorage
        switch bits {
        case 8: storage = .q8
        case 16: storage = .f16
        default: return
        }
        guard model.embedding.storage != storage else { return }
        model.embedding = WeightMatrix(model.embedding.dequantized(), storage: storage)
        if model.outputTied { model.output = CausalLM.tiedOutput(model.embedding) }
    }

    /// The statistics of t = V_q x from those of x: the Gram Σ t tᵀ = V_q (Σ x xᵀ) V_qᵀ (r × r, Double: V_q·G, then
    /// (V_q·G)·V_qᵀ, of which the accumulator keeps the lower triangle), the same token count, and no absolute sums
    /// (GPTQ does not use them). Equal to the Gram accumulated from the products V_q x themselves up to rounding;
    /// here the products are not rounded to Float first.
    static func factorGram(_ stats: GramAccumulator, vq: Matrix<Float>, parallelism: Parallelism) -> GramAccumulator {
        let v = Matrix<Double>(rows: vq.rows, cols: vq.cols) { Double(vq[$0, $1]) }  // r × n
        let vg = matmul(v, stats.gram, parallelism: parallelism)  // r × n
        let g = matmul(vg, v, transB: .transposed, parallelism: parallelism)  // r × r
        return GramAccumulator(gram: g, absoluteSums: [Double](repeating: 0, count: v.rows), tokens: stats.tokens)
    }

    /// One matrix quantized (codes, f16-rounded scales, zeros, optional group index), unpadded.
    struct QuantizedMatrix {
        var rows: Int, cols: Int, groupSize: Int
        var codes: [UInt8]
        var scales: [Float]
        var zeros: [UInt8]
        var gIdx: [Int32]?
        var dequantized: Matrix<Float>

        /// The runtime storage: int4 (``GroupQuantizedMatrix``) at 4 bits, else ``PackedCodeMatrix``.
        func matrix(bits: Int) -> WeightMatrix {
            if bits == 4 {
                return .int4(GroupQuantizedMatrix(rows: rows, cols: cols, codes: codes, scales: scales, zeros: zeros,
                                                  groupSize: groupSize, groupIndex: gIdx))
            }
            return .packedCodes(PackedCodeMatrix(rows: rows, cols: cols, bits: bits, codes: codes, scales: scales,
                                                 zeros: zeros, groupSize: groupSize, groupIndex: gIdx))
        }
    }

    /// W quantized by the options' method on its input statistics (nil for RTN without error measurement).
    func quantize(_ w: Matrix<Float>, stats: GramAccumulator?, layer: Int, module: String) throws
        -> (QuantizedMatrix, QuantizedMatrixRecord) {
        let (rows, cols) = (w.rows, w.cols)
        // One group per row when asked, or when the row is no longer than a group.
        let perRow = options.groupSize == -1 || cols <= options.groupSize
        let gs = perRow ? cols : options.groupSize
        let padded = (cols + gs - 1) / gs * gs
        let format = QuantizationFormat(bits: options.bits, groupSize: perRow ? -1 : gs, symmetric: options.symmetric)
        let wp = padded == cols ? w : Matrix<Float>(rows: rows, cols: padded) { $1 < cols ? w[$0, $1] : 0 }
        let gram = stats?.gram
        var record = QuantizedMatrixRecord(layer: layer, module: module, rows: rows, cols: cols, groupSize: gs)
        func finish(_ q: QuantizedWeights) -> QuantizedMatrix {
            var codes = [UInt8](repeating: 0, count: rows * cols)
            for r in 0..<rows { for c in 0..<cols { codes[r * cols + c] = q.codes[r * padded + c] } }
            let scales = q.scales.map { Float(Float16($0)) }
            let zeros = q.zeros.map { UInt8($0) }
            let groups = scales.count / rows
            let gIdx = q.groupIndex.map { Array($0.prefix(cols)) }
            var deq = Matrix<Float>(rows: rows, cols: cols)
            for r in 0..<rows {
                for c in 0..<cols {
                    let g = r * groups + (gIdx.map { Int($0[c]) } ?? c / gs)
                    deq[r, c] = scales[g] * (Float(codes[r * cols + c]) - Float(zeros[g]))
                }
            }
            return QuantizedMatrix(rows: rows, cols: cols, groupSize: gs, codes: codes, scales: scales, zeros: zeros, gIdx: gIdx,
                                   dequantized: deq)
        }
        do {
            var rtn: QuantizedMatrix? = nil
            if options.method == .rtn || (options.measureRTN && gram != nil) {
                rtn = finish(try roundToNearest(wp, format: format, name: module, parallelism: parallelism))
            }
            var result: QuantizedMatrix
            if options.method == .gptq {
                guard let stats, let gram else { throw ModelQuantizationError.tensor(name: module, reason: "no calibration Gram") }
                let gp: Matrix<Double>
                if padded == cols { gp = gram } else {
                    gp = Matrix<Double>(rows: padded, cols: padded) { i, j in
                        i < cols && j < cols ? gram[i, j] : (i == j ? 1e-300 : 0)
                    }
                }
                let params = GPTQParams(format: format, blockSize: 128, percdamp: options.damp * Double(padded) / Double(cols),
                                        actOrder: options.actOrder)
                let g = try gptq(weight: wp, gram: gp, sampleCount: stats.tokens, params: params, name: module, parallelism: parallelism)
                result = finish(g.weights)
                if let idx = result.gIdx {  // groups must stay whole but for the last (pads sorted last)
                    var counts = [Int](repeating: 0, count: (cols + gs - 1) / gs)
                    for v in idx { counts[Int(v)] += 1 }
                    guard counts.dropLast().allSatisfy({ $0 == gs }) else {
                        throw ModelQuantizationError.tensor(name: module, reason: "act-order left a partial group inside the matrix")
                    }
                }
                record.gptqError = try layerOutputError(original: w, quantized: result.dequantized, gram: gram, name: module,
                                                        parallelism: parallelism)
            } else {
                result = rtn!
            }
            if let rtn, let gram {
                record.rtnError = try layerOutputError(original: w, quantized: rtn.dequantized, gram: gram, name: module,
                                                       parallelism: parallelism)
                record.outputNorm = try layerOutputError(original: w, quantized: Matrix(rows: rows, cols: cols), gram: gram,
                                                         name: module, parallelism: parallelism)
            }
            return (result, record)
        } catch let e as QuantizationError {
            throw ModelQuantizationError.tensor(name: module, reason: e.description)
        }
    }
}
