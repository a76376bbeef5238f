import Foundation
import Testing
import SVDLLMKit

/// A compression that runs out of space while writing its model: the `svdllm` process (run under a file-size
/// limit, which fails writes with EFBIG exactly where a full disk fails them with ENOSPC) exits with a clear
/// error, leaves no output folder and no temporary folder, keeps its finished-layer checkpoints, and a second run
/// with `--resume` and room to write finishes the same model.
@Suite(.serialized) struct DiskFullTests {
    /// The `svdllm` executable built beside this test binary (`swift test` links every product).
    static func svdllm() throws -> URL {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let url = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("svdllm")
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "no svdllm executable at \(url.path)")
        return url
    }

    /// Runs `svdllm ARGS` under `ulimit -f BLOCKS` (1 KiB blocks in bash, 512 B in POSIX sh: either way far
    /// below the model and far above a layer checkpoint); returns the exit status and stderr.
    static func run(_ args: [String], fileBlocks: Int?) throws -> (Int32, String) {
        let (status, _, stderr) = try runCapturingOutput(args, fileBlocks: fileBlocks)
        return (status, stderr)
    }

    /// ``run(_:fileBlocks:)`` that also returns what the command printed on stdout.
    static func runCapturingOutput(_ args: [String], fileBlocks: Int? = nil) throws -> (Int32, Data, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        let limit = fileBlocks.map { "ulimit -f \($0); " } ?? ""
        p.arguments = ["-c", "\(limit)exec \"$@\"", "sh", try svdllm().path] + args
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        try p.run()
        // stdout is read on another thread so that neither pipe can fill up and stall the process.
        final class Box: @unchecked Sendable { var data = Data() }
        let stdout = Box(), group = DispatchGroup()
        DispatchQueue.global().async(group: group) { stdout.data = out.fileHandleForReading.readDataToEndOfFile() }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, stdout.data, String(decoding: data, as: UTF8.self))
    }

    @Test func fullDiskWhileWritingTheModelLosesNothing() throws {
        let model = try AssetCache.default.require(AssetCache.default.smolLM2)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-diskfull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let args = ["compress", model.path, "--ratio", "0.6", "--method", "svd", "--svd", "rsvd", "--nsamples", "1",
                    "--seqlen", "16", "--dtype", "bf16", "--threads", "2", "--out", out.path]

        // 16 MB: every layer checkpoint fits, the 180 MB model does not.
        let (status, stderr) = try Self.run(args, fileBlocks: 16 * 1024)
        #expect(status == 1)
        #expect(stderr.contains("File too large") || stderr.contains("No space left"), "stderr: \(stderr)")
        #expect(stderr.contains(out.path), "the error names the output: \(stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(left == ["out.partial"], "only the checkpoints remain: \(left)")

        // Room again: --resume reuses every finished layer and writes the model.
        let (again, log) = try Self.run(args + ["--resume"], fileBlocks: nil)
        #expect(again == 0, "stderr: \(log)")
        #expect(log.contains("resumed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["out"])
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    }
}
