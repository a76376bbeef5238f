import GEMM
import Formats
import LinearAlgebraCore

/// Reads a model's tensors from a GGUF file or a Hugging Face safetensors folder by architecture-neutral
/// requests, checks every shape, and remembers which tensors were taken so that ``finish()`` can insist
/// that the file held nothing the model ignored.
///
/// Names are given in both spellings: GGUF (`blk.N.attn_q.weight`) and Hugging Face
/// (`model.layers.N.self_attn.q_proj.weight`); GGUF attn_q / attn_k of the llama architecture are un-permuted
/// back to the Hugging Face row order (``GGUFFile/dequantizeHF(_:config:variant:parallelism:)``).
final class WeightBinder {
    enum Source {
        case gguf(GGUFFile)
        case huggingFace(SafeTensorsFolder)
    }

    let source: Source
    let config: ModelConfig
    /// The model file or folder, as error messages name it.
    let file: String
    let parallelism: Parallelism
    private(set) var unused: Set<String>

    /// The storage of the linears and the embedding; nil = as stored: f16 / bf16 safetensors keep their type,
    /// everything else (f32 tensors, GGUF block types) is widened to f32.
    let storage: WeightStorage?

    init(source: Source, config: ModelConfig, parallelism: Parallelism, storage: WeightStorage? = nil) {
        self.source = source
        self.storage = storage
        self.config = config
        self.parallelism = parallelism
        switch source {
        case let .gguf(f):
            file = f.url.path
            unused = Set(f.tensors.map(\.name))
        case let .huggingFace(f):
            file = f.directory.path
            unused = Set(f.names)
        }
    }

    var isGGUF: Bool { if case .gguf = source { return true } else { return false } }

    /// The tensor's name in this source's spelling.
    func name(gguf: String, hf: String) -> String { isGGUF ? gguf : hf }

    /// Bits of the GPTQ-layout linears of a quantized folder (``GPTQPackedTensors/bits(inFolder:)``).
    var quantizedBits = 4

    /// Where Hugging Face block tensors live (OPT: `model.decoder.layers.`).
    var hfLayerPrefix = "model.layers."

    /// Name of a block tensor: `blk.i.<gguf>` or `<hfLayerPrefix>i.<hf>`.
    func layer(_ i: Int, gguf: String, hf: String) -> String {
        isGGUF ? "blk.\(i).\(gguf)" : "\(hfLayerPrefix)\(i).\(hf)"
    }

    func has(_ name: String) -> Bool {
        switch source {
        case let .gguf(f): return f.tensorInfo(name) != nil
        case let .huggingFace(f): return f.info(name) != nil
        }
    }

    /// Whether matrix `name` (`<stem>.weight`) is stored in any form ``weightMatrix(_:rows:cols:)`` reads: as
    /// itself, or in a folder as q8 blocks (`<stem>.q8_codes`) or GGML blocks (`<stem>.ggml_<type>`).
    func hasMatrix(_ name: String) -> Bool {
        if has(name) { return true }
        guard name.hasSuffix(".weight"), case let .huggingFace(folder) = source else { return false }
        let stem = String(name.dropLast(".weight".count))
        return has(stem + ".q8_codes") || GGMLBlockTensors.find(stem: stem, in: folder) != nil
    }

    /// The tensor as rows × cols (a 1-D tensor of n values is 1 × n), marked as used.
    func matrix(_ name: String, rows: Int, cols: Int) throws -> Matrix<Float> {
        guard has(name) else { throw RuntimeError.missingTensor(file: file, name: name) }
        let m: Matrix<Float>
        switch source {
        case let .gguf(f): m = try f.dequantizeHF(name, config: config, parallelism: parallelism)
        case let .huggingFace(f): m = try f.tensor(name)
        }
        guard m.rows == rows, m.cols == cols else {
            throw RuntimeError.shapeMismatch(file: file, name: name, expected: [rows, cols], got: [m.rows, m.cols])
        }
        unused.remove(name)
        // The file's copy of the tensor is no longer needed in memory (it stays readable).
        switch source {
        case let .gguf(f): f.releaseTensorPages(name)
        case let .huggingFace(f): f.releaseTensorPages(name)
        }
        return m
    }

    /// The tensor as rows × cols in the binder's storage (the f32 copy lives only while it is converted).
    ///
    /// A quantized checkpoint's `<stem>.q8_codes` / `<stem>.q8_scales` pair stands for `<stem>.weight`
    /// (``Q8EmbeddingTensors``) and loads as q8 unless another storage is asked for; a `<stem>.ggml_<type>`
    /// tensor (``GGMLBlockTensors``) stands for it too, read in place when mapped, else widened (f32 by default).
    ///
    /// A large GGUF tensor going to a compact storage (the token embedding) is decoded and converted in chunks of
    /// rows, so its f32 copy never exists whole; q/k keep the whole-tensor path (their un-permutation mixes rows).
    func weightMatrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        if !has(name), name.hasSuffix(".weight"), case let .huggingFace(folder) = source {
            let stem = String(name.dropLast(".weight".count))
            if has(stem + ".q8_codes") {
                let q = try q8Matrix(folder, stem: stem, rows: rows, cols: cols)
                if let storage, storage != .q8, storage != .mapped { return WeightMatrix(q.dequantized(), storage: storage) }
                return q
            }
            if let (blocks, type) = GGMLBlockTensors.find(stem: stem, in: folder), let shard = folder.shard(of: blocks) {
                let decoder = try GGMLBlocksRowDecoder(file: shard, name: blocks, type: type, rows: rows, cols: cols)
                unused.remove(blocks)
                if storage == .mapped { return .decoded(DecodedMatrix(decoder)) }
                defer { decoder.releasePages() }
                return WeightMatrix(rows: rows, cols: cols, storage: storage ?? .f32) { r, out in
                    decoder.decodeRows(r, into: out, ld: cols)
                }
            }
        }
        if storage == .mapped, let w = try mappedMatrix(name, rows: rows, cols: cols) { return w }
        let target = (storage == .mapped ? nil : storage) ?? storedStorage(name)
        if target != .f32, case let .gguf(f) = source, let info = f.tensorInfo(name), info.rows == rows,
           info.cols == cols, rows * cols >= 1 << 22, !name.contains(".attn_q."), !name.contains(".attn_k.") {
            let w = try WeightMatrix(rows: rows, cols: cols, storage: target) { r, out in
                try f.dequantizeRows(info, rows: r, into: UnsafeMutableBufferPointer(start: out, count: r.count * cols),
                                     parallelism: parallelism)
            }
            unused.remove(name)
            f.releaseTensorPages(name)
            return w
        }
        let m = try matrix(name, rows: rows, cols: cols)
        return target == .f32 ? .f32(m) : WeightMatrix(m, storage: target)
    }

    /// The tensor read in place from the mapped file (``WeightStorage/mapped``, ``GGUFRowDecoder``,
    /// ``SafeTensorsRowDecoder``), marked as used; nil when its type has no decoder here (a folder's integer
    /// tensors), which the caller then loads as f32.
    func mappedMatrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix? {
        let decoder: any RowDecoder
        switch source {
        case let .gguf(f):
            guard let info = f.tensorInfo(name) else { throw RuntimeError.missingTensor(file: file, name: name) }
            decoder = try GGUFRowDecoder(file: f, info: info, permutedHeads: f.permutedHeads(name, config: config))
        case let .huggingFace(f):
            guard let info = f.info(name) else { throw RuntimeError.missingTensor(file: file, name: name) }
            guard [.f32, .f16, .bf16].contains(info.dtype), let shard = f.shard(of: name) else { return nil }
            decoder = try SafeTensorsRowDecoder(file: shard, name: name)
        }
        guard decoder.rows == rows, decoder.cols == cols else {
            throw RuntimeError.shapeMismatch(file: file, name: name, expected: [rows, cols], got: [decoder.rows, decoder.cols])
        }
        unused.remove(name)
        return .decoded(DecodedMatrix(decoder))
    }

    /// The storage a tensor keeps when no `storage` is asked for: f16 / bf16 for such safetensors, else f32.
    func storedStorage(_ name: String) -> WeightStorage {
        if case let .huggingFace(f) = source, let dtype = f.info(name)?.dtype {
            switch dtype {
            case .f16: return .f16
            case .bf16: return .bf16
            default: return .f32
            }
        }
        return .f32
    }

    /// A 1-D tensor of `count` values.
    func vector(_ name: String, count: Int) throws -> [Float] {
        try matrix(name, rows: 1, cols: count).elements
    }

    /// The linear stored as `weight` (out × in), or, in a Hugging Face folder written by `svdllm compress`, as
    /// its two factors (``LowRankTensorNames``: `…q_u_proj.weight` out × r and `…q_v_proj.weight` r × in);
    /// optional bias `biasName`.
    func linear(_ weight: String, bias: String?, out: Int, in: Int) throws -> Linear {
        let b = try bias.map { b throws in try vector(b, count: out) }
        if !has(weight), case let .huggingFace(folder) = source, weight.hasSuffix(".weight") {
            let module = String(weight.dropLast(".weight".count))
            let names = LowRankTensorNames.factors(ofModule: module)
            if hasQuantized(module) {
                return .packed(weight: try quantizedMatrix(module, rows: out, cols: `in`), bias: b)
            }
            if hasQuantized(names.u), hasQuantized(names.v), let vShape = folder.shape(names.v + ".qweight"), vShape.count == 2 {
                let r = vShape[1]
                guard r >= 1 else {
                    throw RuntimeError.shapeMismatch(file: file, name: names.v + ".qweight",
                                                     expected: [GPTQWordPacking.wordCount(codes: `in`, bits: quantizedBits), 1], got: vShape)
                }
                return .packedLowRank(u: try quantizedMatrix(names.u, rows: out, cols: r),
                                      v: try quantizedMatrix(names.v, rows: r, cols: `in`), bias: b)
            }
            let uName = names.u + ".weight", vName = names.v + ".weight"
            if let shape = folder.shape(uName), shape.count == 2, has(vName) {
                let r = shape[1]
                guard r >= 1 else {
                    throw RuntimeError.shapeMismatch(file: file, name: uName, expected: [out, 1], got: shape)
                }
                let u = try weightMatrix(uName, rows: out, cols: r)
                let v = try weightMatrix(vName, rows: r, cols: `in`)
                if let u32 = u.float32, let v32 = v.float32 { return .lowRank(u: u32, v: v32, bias: b) }
                return .packedLowRank(u: u, v: v, bias: b)
            }
        }
        let w = try weightMatrix(weight, rows: out, cols: `in`)
        if let w32 = w.float32 { return .dense(weight: w32, bias: b) }
        return .packed(weight: w, bias: b)
    }

    /// The raw bytes of a tensor of a folder after checking its dtype and shape; marks it used.
    private func raw(_ folder: SafeTensorsFolder, _ name: String, dtype: SafeTensorsDType, shape: [Int]) throws -> UnsafeRawBufferPointer {
        guard let info = folder.info(name) else { throw RuntimeError.missingTensor(file: file, name: name) }
        guard info.dtype == dtype else {
            throw RuntimeError.invalidInput(argument: name, reason: "dtype \(info.dtype.rawValue), expected \(dtype.rawValue)")
        }
        guard info.shape == shape else { throw RuntimeError.shapeMismatch(file: file, name: name, expected: shape, got: info.shape) }
        unused.remove(name)
        return try folder.tensorData(name)
    }

    private static func words(_ p: UnsafeRawBufferPointer) -> [UInt32] {
        (0..<p.count / 4).map { UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
    }

    private static func halves(_ p: UnsafeRawBufferPointer) -> [UInt16] {
        (0..<p.count / 2).map { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
    }

    /// The 8-bit embedding (``Q8EmbeddingTensors``), kept as q8.
    private func q8Matrix(_ folder: SafeTensorsFolder, stem: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let blocks = (cols + BlockQ8Matrix.blockSize - 1) / BlockQ8Matrix.blockSize
        let codes = try raw(folder, stem + ".q8_codes", dtype: .i8, shape: [rows, blocks * BlockQ8Matrix.blockSize])
        let scales = try raw(folder, stem + ".q8_scales", dtype: .f16, shape: [rows, blocks])
        return .q8(BlockQ8Matrix(rows: rows, cols: cols, signedCodes: codes.map { Int8(bitPattern: $0) },
                                 scales: Self.halves(scales)))
    }

    /// Whether module `module` is stored in the GPTQ layout (`<module>.qweight`).
    func hasQuantized(_ module: String) -> Bool { !isGGUF && has(module + ".qweight") }

    /// The GPTQ-layout matrix of `module` (``GPTQPackedTensors``, ``quantizedBits`` wide), out × in, as
    /// ``GroupQuantizedMatrix`` (4 bits) or ``PackedCodeMatrix`` (2, 3, 8): packed codes are unpacked row by row into
    /// the runtime's layout; nothing is widened to f32.
    func quantizedMatrix(_ module: String, rows out: Int, cols `in`: Int) throws -> WeightMatrix {
        guard case let .huggingFace(folder) = source else { throw RuntimeError.missingTensor(file: file, name: module + ".qweight") }
        guard let zShape = folder.shape(module + ".qzeros"), zShape.count == 2, zShape[0] >= 1 else {
            throw RuntimeError.missingTensor(file: file, name: module + ".qzeros")
        }
        let groups = zShape[0]
        guard let gs = GPTQPackedTensors.inferGroupSize(cols: `in`, groups: groups) else {
            throw RuntimeError.invalidInput(argument: module + ".qzeros", reason: "\(groups) groups do not fit \(`in`) inputs")
        }
        let bits = quantizedBits
        let qweight = try raw(folder, module + ".qweight", dtype: .i32, shape: [GPTQWordPacking.wordCount(codes: `in`, bits: bits), out])
        let qzeros = try raw(folder, module + ".qzeros", dtype: .i32, shape: [groups, GPTQWordPacking.wordCount(codes: out, bits: bits)])
        let scales = try raw(folder, module + ".scales", dtype: .f16, shape: [groups, out])
        var gIdx: [Int32]? = nil
        if has(module + ".g_idx") {
            let g = try raw(folder, module + ".g_idx", dtype: .i32, shape: [`in`])
            let values = Self.words(g).map { Int32(bitPattern: $0) }
            var counts = [Int](repeating: 0, count: groups)
            for v in values {
                guard (0..<Int32(groups)).contains(v) else {
                    throw RuntimeError.invalidInput(argument: module + ".g_idx", reason: "group \(v) outside 0..<\(groups)")
                }
                counts[Int(v)] += 1
            }
            guard counts.dropLast().allSatisfy({ $0 == gs }) else {
                throw RuntimeError.invalidInput(argument: module + ".g_idx", reason: "groups are not all of size \(gs)")
            }
            gIdx = values
        }
        let packed = GPTQPackedTensors(rows: out, cols: `in`, bits: bits, groupSize: gs, qweight: Self.words(qweight),
                                       qzeros: Self.words(qzeros), scales: Self.halves(scales), gIdx: gIdx)
        return packed.weightMatrix()
    }

    /// Marks a tensor the runtime knowingly does not need (e.g. llama.cpp's precomputed rope_freqs).
    func ignore(_ name: String) { unused.remove(name) }

    /// Throws ``RuntimeError/unusedTensors(file:names:)`` if any tensor was not bound.
    func finish() throws {
        guard unused.isEmpty else { throw RuntimeError.unusedTensors(file: file, names: unused.sorted()) }
    }
}
