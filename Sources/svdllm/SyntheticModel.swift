import Foundation
import SVDLLMKit

/// A synthetic LLaMA-architecture GGUF model: the real tensor names, shapes, metadata and tokenizer of a shape
/// (``SyntheticShape``), with seeded random weights — for measuring memory and time at real scale without
/// downloading a real model.
///
/// Tensors, in file order (GGUF dims, fastest first; d = hidden, f = intermediate, V = vocabulary):
/// ```
/// token_embd.weight [d, V]
/// per layer N: blk.N.attn_norm.weight [d]  blk.N.attn_q.weight [d, d]  attn_k, attn_v [d, kv_heads·head_dim]
///              blk.N.attn_output.weight [d, d]  blk.N.ffn_norm.weight [d]
///              blk.N.ffn_gate.weight, ffn_up [d, f]  blk.N.ffn_down.weight [f, d]
/// output_norm.weight [d]   output.weight [d, V]   (untied)
/// ```
/// Matrices: ``SyntheticWeights`` with σ = ``weightStd``, encoded as `type`. Norm weights: 1.0, always F32.
/// The metadata carries the `llama.*` keys ``ModelConfig`` reads, the tokenizer (``SyntheticTokenizer``),
/// llama.cpp's `general.file_type` and the generator's own `svdllm.synthetic.*` keys (seed, σ, generator version), so
/// the header alone identifies the weights: equal headers mean equal files.
struct SyntheticModel: Sendable {
    var shape: SyntheticShape
    var type: SyntheticWeightType
    var seed: UInt64
    var weightStd: Float = 0.02

    /// Bumped whenever the values written for a (shape, type, seed) change, so old files are regenerated.
    static let generatorVersion = "1"

    var tensors: [GGUFLayout.Tensor] {
        let d = shape.hidden, f = shape.intermediate, kv = shape.kvHeads * shape.headDim, q = shape.heads * shape.headDim
        let w = type.ggml
        var t = [GGUFLayout.Tensor(name: "token_embd.weight", dims: [d, shape.vocab], type: w)]
        for n in 0..<shape.layers {
            t += [
                .init(name: "blk.\(n).attn_norm.weight", dims: [d], type: .f32),
                .init(name: "blk.\(n).attn_q.weight", dims: [d, q], type: w),
                .init(name: "blk.\(n).attn_k.weight", dims: [d, kv], type: w),
                .init(name: "blk.\(n).attn_v.weight", dims: [d, kv], type: w),
                .init(name: "blk.\(n).attn_output.weight", dims: [q, d], type: w),
                .init(name: "blk.\(n).ffn_norm.weight", dims: [d], type: .f32),
                .init(name: "blk.\(n).ffn_gate.weight", dims: [d, f], type: w),
                .init(name: "blk.\(n).ffn_up.weight", dims: [d, f], type: w),
                .init(name: "blk.\(n).ffn_down.weight", dims: [f, d], type: w),
            ]
        }
        t += [.init(name: "output_norm.weight", dims: [d], type: .f32),
              .init(name: "output.weight", dims: [d, shape.vocab], type: w)]
        return t
    }

    var metadata: [(key: String, value: GGUFValue)] {
        func u32(_ v: Int) -> GGUFValue { .uint32(UInt32(v)) }
        var kv: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("general.name", .string("synthetic-\(shape.rawValue)")),
            ("general.description", .string("seeded random weights (svdllm synthesize); not a trained model")),
            ("general.alignment", .uint32(32)),
            ("general.file_type", .uint32(type.fileType)),
            ("general.quantization_version", .uint32(2)),
            ("svdllm.synthetic.generator", .string(Self.generatorVersion)),
            ("svdllm.synthetic.seed", .uint64(seed)),
            ("svdllm.synthetic.weight_std", .float32(weightStd)),
            ("llama.vocab_size", u32(shape.vocab)),
            ("llama.context_length", u32(shape.contextLength)),
            ("llama.embedding_length", u32(shape.hidden)),
            ("llama.block_count", u32(shape.layers)),
            ("llama.feed_forward_length", u32(shape.intermediate)),
            ("llama.rope.dimension_count", u32(shape.headDim)),
            ("llama.attention.head_count", u32(shape.heads)),
            ("llama.attention.head_count_kv", u32(shape.kvHeads)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(shape.rmsEps)),
            ("llama.rope.freq_base", .float32(shape.ropeTheta)),
        ]
        kv += SyntheticTokenizer.metadata(vocabularySize: shape.vocab)
        return kv
    }

    /// The planned file (header bytes, offsets, size); `file` names the destination in errors.
    func layout(file: String) throws(FormatError) -> GGUFLayout {
        try GGUFLayout(metadata: metadata, tensors: tensors, file: file)
    }

    /// Whether `url` already holds this model: a file of the planned size whose header (metadata and tensor table —
    /// which include the shape, type, seed and generator version) is byte for byte the planned one.
    func isWritten(at url: URL, layout: GGUFLayout) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              (attributes[.type] as? FileAttributeType) == .typeRegular,
              (attributes[.size] as? NSNumber)?.intValue == layout.fileSize,
              let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: layout.dataOffset) else { return false }
        return head.elementsEqual(layout.header)
    }

    /// Writes the model to `url` (atomically: a temporary file renamed into place), generating and encoding
    /// `rowsPerChunk` rows at a time on `parallelism`'s threads; `progress` gets a line after each layer.
    /// Memory: one chunk of encoded rows plus one F32 row per thread.
    func write(to url: URL, parallelism: Parallelism, rowsPerChunk: Int = 64,
               progress: ((String) -> Void)? = nil) throws {
        let writer = try GGUFWriter(url: url, layout: layout(file: url.path))
        let maxCols = writer.layout.tensors.map(\.cols).max() ?? 0
        let workers = parallelism.threads
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, workers * maxCols))
        defer { scratch.deallocate() }
        nonisolated(unsafe) let rowScratch = scratch
        let start = Date()
        for info in writer.layout.tensors {
            let isNorm = info.dims.count == 1
            guard let encode = Quantize.kernel(for: info.type) else {
                throw FormatError.unsupported(file: url.path, field: "tensor '\(info.name)'.type", value: "\(info.type)")
            }
            let cols = info.cols, rowBytes = info.rowBytes, blocks = cols / info.type.blockSize
            try writer.write(info.name, rowsPerChunk: rowsPerChunk) { rows, bytes in
                nonisolated(unsafe) let base = bytes.baseAddress!
                parallelism.forEachTask(rows.count) { k, worker in
                    let x = rowScratch + worker * maxCols
                    if isNorm {
                        x.update(repeating: 1, count: cols)
                    } else {
                        var g = SyntheticWeights.generator(seed: seed, tensor: info.name, row: rows.lowerBound + k)
                        SyntheticWeights.fill(x, count: cols, std: weightStd, generator: &g)
                    }
                    encode(x, base + k * rowBytes, blocks)
                }
            }
            if let progress, info.name.hasSuffix("ffn_down.weight") || info.name == "output.weight" {
                let done = Double(info.offset + info.byteCount) / Double(writer.layout.fileSize - writer.layout.dataOffset)
                progress(String(format: "%@ written (%.0f %%, %.1f s)", info.name, 100 * done,
                                Date().timeIntervalSince(start)))
            }
        }
        try writer.commit()
    }
}
