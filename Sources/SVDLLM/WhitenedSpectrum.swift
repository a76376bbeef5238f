import LinearAlgebraCore
import SpectralDecompositions
import TransformerRuntime

/// The singular values of one matrix under its input scaling, W·S = U Σ Vᵀ (out × in), without the vectors:
/// dropping σ_k from a truncation adds σ_k² to the loss ‖(W − W_u W_v)·S‖_F² (``scaledTruncation``), so the
/// spectrum prices every rank of the matrix before any truncation (``lossRanks``).
public struct WhitenedSpectrum: Sendable, Codable, Equatable {
    public var rows: Int
    public var cols: Int
    /// σ₁ ≥ … ≥ σ_min(m,n) ≥ 0, all of them.
    public var singularValues: [Double]

    public init(rows: Int, cols: Int, singularValues: [Double]) {
        self.rows = rows
        self.cols = cols
        self.singularValues = singularValues
    }

    /// ‖W·S‖_F² = Σ σ_k².
    public var totalSquares: Double { singularValues.reduce(0) { $0 + $1 * $1 } }
}

extension Compressor {
    /// The spectrum of W·S of every compressed linear of one block, S from its dense profile
    /// (``inputScalings(_:layer:)``: SVD-LLM's whitening S = chol(XᵀX/N)). Values only: Householder
    /// bidiagonalization and the bidiagonal's values (``SVDComputeVectors/valuesOnly``), whatever ``options``'s
    /// SVD, since every value is needed. The linears run in parallel, one serial task each.
    ///
    /// - Throws: ``CompressionError/numerical(layer:name:reason:)`` when an SVD fails,
    ///   ``CompressionError/nonFinite(layer:name:what:)`` for a non-finite weight or Gram.
    func whitenedSpectra(block: any DecoderBlock, layer i: Int, profile: LayerProfile)
        throws(CompressionError) -> [MatrixKey: WhitenedSpectrum] {
        let groups = profile.groups
        let (scalings, _) = try inputScalings(profile, layer: i)
        let names = block.linearNames.sorted { block.linear($0).parameterCount > block.linear($1).parameterCount }
        var outcomes = [Result<WhitenedSpectrum, CompressionError>?](repeating: nil, count: names.count)
        outcomes.withUnsafeMutableBufferPointer { out in
            options.parallelism.forEachTask(names.count) { t, _ in
                let name = names[t]
                out[t] = Result { () throws(CompressionError) in
                    let w32 = block.linear(name).denseWeight
                    guard w32.elements.allSatisfy(\.isFinite) else {
                        throw .nonFinite(layer: i, name: name.rawValue, what: "the weight")
                    }
                    let g = groups.firstIndex { $0.contains(name) }
                    let scaling = g.flatMap { scalings[$0] } ?? .identity
                    let a = scaling.scale(w32.converted(to: Double.self))
                    do {
                        let svd = try SVD(consume a, options: SVDOptions(computeVectors: .valuesOnly, algorithm: .bidiagonal))
                        return WhitenedSpectrum(rows: w32.rows, cols: w32.cols, singularValues: svd.singularValues)
                    } catch {
                        throw .numerical(layer: i, name: name.rawValue, reason: "values-only SVD of W·S failed: \(error)")
                    }
                }
            }
        }
        var spectra: [MatrixKey: WhitenedSpectrum] = [:]
        for (t, name) in names.enumerated() { spectra[MatrixKey(layer: i, name: name.rawValue)] = try outcomes[t]!.get() }
        return spectra
    }
}
