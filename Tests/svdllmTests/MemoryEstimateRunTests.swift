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
        let p = Process()
        p.executableURL = try DiskFullTests.svdllm()
        p.arguments = ["compress", model.path, "--calib", calib.path, "--ratio", "0.4", "--nsamples", "8",
                       "--seqlen", "512", "--svd", "bidiagonal", "--memory", memory, "--threads", "2", "--json",
                       "--out", root.appendingPathComponent("out").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let measured = try #require(json["peak_rss_bytes"] as? Int)
        let predicted = try #require(json["predicted_peak_rss_bytes"] as? Int)
        let ratio = Double(predicted) / Double(measured)
        #expect(abs(ratio - 1) <= 0.25, "\(memory): predicted \(predicted) B, measured \(measured) B (×\(ratio))")
    }
}
