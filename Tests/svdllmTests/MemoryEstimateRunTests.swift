import Foundation
import Testing
import SVDLLMKit

/// The peak `compress` predicts before it starts (``MemoryEstimate``) against the peak the finished process
/// measured (`ru_maxrss`), on SmolLM2 with a real calibration set, both memory layouts: within 25 %.
@Suite(.serialized) struct MemoryEstimateRunTests {
    @Test(arguments: ["layer", "model"])
    func predictedPeakIsWithinAQuarterOfTheMeasuredOne(memory: String) throws {
        let model = try AssetCache.default.require(AssetCache.default.smolLM2)
        let calib = try AssetCache.default.require(AssetCache.default.ptb("train"))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-estimate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, data, stderr) = try DiskFullTests.runCapturingOutput(
            ["compress", model.path, "--calib", calib.path, "--ratio", "0.4", "--nsamples", "8", "--seqlen", "512",
             "--svd", "bidiagonal", "--memory", memory, "--threads", "2", "--json",
             "--out", root.appendingPathComponent("out").path])
        #expect(status == 0, "stderr: \(stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let measured = try #require(json["peak_rss_bytes"] as? Int)
        let predicted = try #require(json["predicted_peak_rss_bytes"] as? Int)
        let ratio = Double(predicted) / Double(measured)
        #expect(abs(ratio - 1) <= 0.25, "\(memory): predicted \(predicted) B, measured \(measured) B (×\(ratio))")
    }
}
