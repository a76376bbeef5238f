import Foundation

/// The whitened spectra of a complete profile cache (``RankAllocation/loss``), so a run at another ratio or
/// normalization skips the values-only SVDs: `ROOT/<fingerprint>/spectra.json`, one entry per matrix.
///
/// The spectra follow from the cached profiles alone (whitening S = chol(XᵀX/N), values-only bidiagonal SVD of
/// W·S; ``Compressor/whitenedSpectra(block:layer:profile:)``), so they are the same for every method, ratio and
/// normalization of that model and calibration. A complete cache is otherwise never written again: this file is
/// written atomically (temporary file, then rename), and two runs writing it at once write the same values.
extension ProfileCache {
    struct SpectrumEntry: Codable {
        var layer: Int
        var name: String
        var spectrum: WhitenedSpectrum
    }

    var spectraFile: URL { directory.appendingPathComponent("spectra.json") }

    /// Saves `spectra`.
    /// - Throws: ``CompressionError/io(path:reason:)`` when the file cannot be written.
    public func storeSpectra(_ spectra: [MatrixKey: WhitenedSpectrum]) throws(CompressionError) {
        let entries = spectra.keys.sorted().map { SpectrumEntry(layer: $0.layer, name: $0.name, spectrum: spectra[$0]!) }
        try writeJSON(entries, to: spectraFile)
    }

    /// The saved spectra, or nil when none were saved.
    /// - Throws: ``CompressionError/mismatch(path:reason:)`` when the file cannot be decoded.
    public func loadSpectra() throws(CompressionError) -> [MatrixKey: WhitenedSpectrum]? {
        guard let data = FileManager.default.contents(atPath: spectraFile.path) else { return nil }
        let entries: [SpectrumEntry]
        do { entries = try JSONDecoder().decode([SpectrumEntry].self, from: data) } catch {
            throw .mismatch(path: spectraFile.path, reason: "unreadable spectra: \(error)")
        }
        var spectra: [MatrixKey: WhitenedSpectrum] = [:]
        for e in entries { spectra[MatrixKey(layer: e.layer, name: e.name)] = e.spectrum }
        return spectra
    }
}
