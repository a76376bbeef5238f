import Foundation
import Formats
import LinearAlgebraCore

/// The resume point of a fine-tuning run: a folder (written whole, then renamed into place:
/// ``Formats/StagingFolder``) holding
///
///     state.json                 the run's fingerprint, phase, steps done, optimizer step count, the logs so far
///     adapters.safetensors       the current phase's adapters (`<module>.lora_A.weight`, `.lora_B.weight`, peft's
///                                names) and their AdamW moments (`….exp_avg`, `….exp_avg_sq`), F32
///     phase-<k>.safetensors      the adapters of every finished phase k, as they were merged
///
/// A resumed run rebuilds the model from the source, merges the finished phases' adapters exactly as the first
/// run did, and continues the current phase from its adapters and moments: the steps after the resume are the
/// ones an uninterrupted run takes (data order and dropout masks derive from the seed and the step).
public enum TrainingCheckpoint {
    public struct State: Sendable, Codable, Equatable {
        /// ``FineTuner`` fingerprint of the options, model and data; a checkpoint of another run is refused.
        public var fingerprint: String
        public var phase: Int
        /// Steps of `phase` done.
        public var step: Int
        public var optimizer: AdamW
        public var history: [StepRecord]
        public var validation: [ValidationRecord]
        public var trainTokens: Int
        public var trainSeconds: Double
    }

    /// Adapters (and moments) by key.
    public typealias Adapters = [AdapterKey: (a: Matrix<Float>, b: Matrix<Float>)]

    static let stateFile = "state.json", adaptersFile = "adapters.safetensors"
    static func phaseFile(_ k: Int) -> String { "phase-\(k).safetensors" }

    /// Writes the checkpoint folder.
    public static func save(to folder: URL, state: State, model: TrainableModel<Float>,
                            moments: [AdapterKey: AdamW.Moments], finished: [Adapters]) throws {
        try StagingFolder.assemble(at: folder, force: true) { tmp in
            var current = SafeTensorsWriter(metadata: ["format": "pt"])
            for key in model.adapterKeys {
                let a = model[adapter: key]!
                try current.add(key.module + ".lora_A.weight", a.a)
                try current.add(key.module + ".lora_B.weight", a.b)
                if let m = moments[key] {
                    try current.add(key.module + ".lora_A.exp_avg", Matrix(rows: a.a.rows, cols: a.a.cols, elements: m.mA))
                    try current.add(key.module + ".lora_A.exp_avg_sq", Matrix(rows: a.a.rows, cols: a.a.cols, elements: m.vA))
                    try current.add(key.module + ".lora_B.exp_avg", Matrix(rows: a.b.rows, cols: a.b.cols, elements: m.mB))
                    try current.add(key.module + ".lora_B.exp_avg_sq", Matrix(rows: a.b.rows, cols: a.b.cols, elements: m.vB))
                }
            }
            try current.write(to: tmp.appendingPathComponent(adaptersFile))
            for (k, phase) in finished.enumerated() {
                var w = SafeTensorsWriter(metadata: ["format": "pt"])
                for key in phase.keys.sorted() {
                    try w.add(key.module + ".lora_A.weight", phase[key]!.a)
                    try w.add(key.module + ".lora_B.weight", phase[key]!.b)
                }
                try w.write(to: tmp.appendingPathComponent(phaseFile(k)))
            }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFileWriter.write(try e.encode(state), to: tmp.appendingPathComponent(stateFile))
        }
    }

    /// The state, or nil when `folder` holds no checkpoint.
    public static func state(in folder: URL) throws(TrainingError) -> State? {
        let url = folder.appendingPathComponent(stateFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(State.self, from: Data(contentsOf: url))
        } catch {
            throw .checkpoint(path: url.path, reason: "unreadable state: \(error)")
        }
    }

    /// Reads adapters (A, B) of `keys` from file `name` of the folder, and their moments when `moments`.
    static func read(_ folder: URL, _ name: String, keys: [AdapterKey], moments: Bool) throws(TrainingError)
        -> (Adapters, [AdapterKey: AdamW.Moments]) {
        let url = folder.appendingPathComponent(name)
        do {
            let f = try SafeTensorsFile(url: url)
            var adapters: Adapters = [:], m: [AdapterKey: AdamW.Moments] = [:]
            for key in keys {
                let a = try f.tensor(key.module + ".lora_A.weight"), b = try f.tensor(key.module + ".lora_B.weight")
                adapters[key] = (a, b)
                if moments {
                    m[key] = AdamW.Moments(mA: try f.tensor(key.module + ".lora_A.exp_avg").elements,
                                           vA: try f.tensor(key.module + ".lora_A.exp_avg_sq").elements,
                                           mB: try f.tensor(key.module + ".lora_B.exp_avg").elements,
                                           vB: try f.tensor(key.module + ".lora_B.exp_avg_sq").elements)
                }
            }
            return (adapters, m)
        } catch {
            throw .checkpoint(path: url.path, reason: "\(error)")
        }
    }
}
