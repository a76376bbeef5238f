// libFuzzer target: a Hugging Face config.json → HFConfig → ModelConfig.
// Contract: a FormatError, or a configuration that passes its own validation and whose weight shapes have
// element counts that fit in Int (every matrix a loader would allocate or check against a file, and their sum
// over the layers), with token ids inside the vocabulary.
import Foundation
@testable import Formats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHFConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let file = "/fuzz/config.json"
    guard let json = try? HFConfig.decode(Data(inputBytes(data, size)), file: file),
          let config = try? ModelConfig(huggingFace: json, file: file) else { return 0 }
    require((try? config.validate(file: file)) != nil, "a returned config fails its own validation")
    for (v, name) in [(config.vocabSize, "vocab"), (config.hiddenSize, "hidden"), (config.intermediateSize, "ffn"),
                      (config.layerCount, "layers"), (config.headCount, "heads"), (config.kvHeadCount, "kv heads"),
                      (config.headDim, "head dim"), (config.contextLength, "context")] {
        require(v > 0, "\(name) = \(v)")
    }
    require(config.headCount % config.kvHeadCount == 0, "kv heads do not divide heads")
    for id in [config.bosTokenId, config.padTokenId].compactMap({ $0 }) + config.eosTokenIds {
        require((0..<config.vocabSize).contains(id), "token id \(id) outside the vocabulary")
    }
    // The sizes a loader computes.
    func product(_ xs: Int...) -> Int? { CheckedArithmetic.product(xs) }
    let h = config.hiddenSize, d = config.headDim
    let matrices: [Int?] = [
        product(config.vocabSize, config.wordEmbedProjDim ?? h), product(config.headCount, d, h),
        product(config.kvHeadCount, d, h), product(config.intermediateSize, h), product(config.contextLength, h),
    ]
    var perLayer = 0
    for (i, m) in matrices.enumerated() {
        guard let m else { fatalError("contract broken: weight matrix \(i) of \(config) has more elements than Int holds") }
        if (1...3).contains(i) { perLayer = CheckedArithmetic.sum([perLayer, m]) ?? -1 }
    }
    require(perLayer >= 0 && product(perLayer, config.layerCount) != nil, "the layers' parameters overflow Int")
    return 0
}
