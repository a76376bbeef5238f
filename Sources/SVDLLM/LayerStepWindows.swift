import LinearAlgebraCore
import TransformerRuntime

/// Step `step` of block `layer` (``DecoderBlock/step(_:_:context:kv:)``) on every window's state, and, when
/// `accumulate`, the statistics of the windows' new group inputs x (ΣxᵀX, Σ|x|, tokens).
///
/// Parallel over windows as ``profileLayer(_:layer:inputs:keepOutputs:parallelism:outputLocation:)``: lane l of
/// L = min(threads, windows) runs windows l, l + L, … with serial kernels into statistics of its own, and the lanes'
/// are merged in lane order, so the sums are deterministic for a given thread count.
public func stepLayerWindows(_ model: CausalLM, layer: Int, step: Int, states: inout [BlockState], accumulate: Bool,
                             parallelism: Parallelism) -> GramAccumulator? {
    let lanes = Swift.max(1, Swift.min(parallelism.threads, states.count))
    var serial = model
    serial.parallelism = .serial
    let model = serial
    final class Box: @unchecked Sendable { var stats: GramAccumulator? }
    let boxes = (0..<lanes).map { _ in Box() }
    states.withUnsafeMutableBufferPointer { windows in
        nonisolated(unsafe) let windows = windows  // each lane writes its own windows
        parallelism.forEachTask(lanes) { l, _ in
            let box = boxes[l]
            var kv = model.uncachedKV(tokens: windows[l].h.rows)  // the lane's scratch (windows are of one length)
            for w in stride(from: l, to: windows.count, by: lanes) {
                precondition(windows[w].h.rows == kv.keys.rows, "stepLayerWindows: windows of different lengths")
                model.stepLayer(layer, step: step, &windows[w], kv: &kv)
                guard accumulate else { continue }
                let x = windows[w].x
                if box.stats == nil { box.stats = GramAccumulator(dimension: x.cols) }
                box.stats!.add(x, parallelism: .serial)
            }
        }
    }
    guard accumulate, var merged = boxes[0].stats else { return nil }
    for l in 1..<lanes { if let s = boxes[l].stats { merged.merge(s) } }
    return merged
}
