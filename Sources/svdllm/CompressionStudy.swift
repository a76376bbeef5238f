import Foundation
import SVDLLMKit

/// The measurements behind `svdllm notebook compression`: for every method × ratio, a compression of the same
/// model on the same calibration windows (the dense profile is computed once and shared through a profile
/// cache), its perplexity, per-matrix ranks, predicted and measured losses and singular values, phase times
/// and parameter counts; plus the dense model's perplexity and the spectra of W itself for a few matrices.
struct CompressionStudy: Codable {
    struct Run: Codable {
        var method: String
        var ratio: Double
        var ppl: Double
        var report: CompressionReport
    }

    struct Spectrum: Codable {
        var layer: Int
        var name: String
        /// σ of W (plain).
        var weight: [Double]
        /// σ of W·S (whitened), from the whitening run at the first ratio.
        var whitened: [Double]
    }

    var model: String
    var calibration: String
    var evaluation: String
    var nsamples: Int
    var seqlen: Int
    var seed: UInt64
    var evalWindows: Int
    var densePPL: Double
    var denseParameters: Int
    var runs: [Run]
    var spectra: [Spectrum]
    /// Wall time of the whole study (absent in studies saved before it was recorded).
    var wallSeconds: Double?
    /// The command line and date (UTC) that made the measurements, so a notebook re-rendered with
    /// `--from-json` still names the run that reproduces it.
    var command: String?
    var date: String?

    /// Runs the study; `log` receives one line per finished run.
    static func run(modelPath: String, calibURL: URL, evalURL: URL, methods: [CompressionMethod], ratios: [Double],
                    nsamples: Int, seqlen: Int, seed: UInt64, evalWindows: Int, svd: TruncationSVD, threads: Int,
                    profileCache: URL? = nil, spectrumMatrices: [(Int, LinearName)],
                    log: (String) -> Void) throws -> CompressionStudy {
        let started = Date()
        let loaded = try LoadedModel(path: modelPath, threads: threads, storage: .f32)
        let calibText = try String(contentsOf: calibURL, encoding: .utf8)
        let evalText = try String(contentsOf: evalURL, encoding: .utf8)
        let windows = try CalibrationSampler(sampleCount: nsamples, sequenceLength: seqlen, seed: seed)
            .windows(text: calibText, tokenizer: loaded.tokenizer)
        let evalIDs = loaded.tokenizer.encode(evalText, addSpecialTokens: false)
        let bos = loaded.model.config.addBos
        let dense = try perplexity(model: loaded.model, tokens: evalIDs, seqlen: seqlen, windows: evalWindows, bos: bos)
        log(String(format: "dense: ppl %.3f", dense.ppl))

        // A given cache persists (and may already hold this profile); otherwise a temporary one is shared by the runs.
        let cacheRoot = profileCache
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-study-\(UUID().uuidString)")
        defer { if profileCache == nil { try? FileManager.default.removeItem(at: cacheRoot) } }
        var fingerprint = RunFingerprint.model(at: URL(fileURLWithPath: modelPath))
        fingerprint.add(windows: windows)

        var runs: [Run] = []
        for method in methods {
            for ratio in ratios {
                var model = loaded.model
                let options = CompressionOptions(method: method, ratio: ratio, svd: svd, parallelism: .threads(threads))
                var profile = fingerprint
                profile.add(gramAccumulation: options.gramAccumulation)
                var compressor = Compressor(options: options,
                                            profileCache: method.needsDenseProfile
                                                ? try ProfileCache(root: cacheRoot, fingerprint: profile) : nil)
                compressor.keepSpectra = true  // (measureLoss is on by default: the predicted-vs-measured plot)
                let report = try compressor.run(&model, windows: windows, seed: seed)
                let ppl = try perplexity(model: model, tokens: evalIDs, seqlen: seqlen, windows: evalWindows, bos: bos).ppl
                log(String(format: "%@ %.2f: ppl %.3f, %.0f s", method.rawValue, ratio, ppl, report.seconds.total))
                runs.append(Run(method: method.rawValue, ratio: ratio, ppl: ppl, report: report))
            }
        }

        var spectra: [Spectrum] = []
        for (layer, name) in spectrumMatrices where layer < loaded.model.layerCount {
            let w = loaded.model.blocks[layer].linear(name).denseWeight.converted(to: Double.self)
            let sigma = try SVD(w, options: SVDOptions(computeVectors: .valuesOnly, parallelism: .threads(threads))).singularValues
            let whitened = runs.first { $0.method == CompressionMethod.whiten.rawValue }?.report.matrices
                .first { $0.layer == layer && $0.name == name.rawValue }?.singularValues ?? []
            spectra.append(Spectrum(layer: layer, name: name.rawValue, weight: sigma, whitened: whitened))
        }
        return CompressionStudy(model: URL(fileURLWithPath: modelPath).lastPathComponent,
                                calibration: calibURL.lastPathComponent, evaluation: evalURL.lastPathComponent,
                                nsamples: nsamples, seqlen: seqlen, seed: seed, evalWindows: dense.windows,
                                densePPL: dense.ppl, denseParameters: loaded.model.parameterCount,
                                runs: runs, spectra: spectra, wallSeconds: Date().timeIntervalSince(started))
    }
}
