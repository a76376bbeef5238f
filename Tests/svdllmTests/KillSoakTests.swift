import Foundation
import Testing
import SVDLLMKit

/// A small `Scripts/soak-kill`: `compress --method whiten+update` of the tiny model of ``RunLockTests`` killed with
/// SIGKILL three times, each time right after a seeded choice among its progress lines (a layer's profiling,
/// update or factoring, or the final write), then resumed; after every kill no file a reader takes for whole is
/// half-written, and the last `--resume` gives the uninterrupted run's folder byte for byte.
@Suite(.serialized) struct KillSoakTests {
    /// `svdllm ARGS` with its stderr read line by line as it comes.
    final class WatchedRun: @unchecked Sendable {
        let process = Process()
        private let pipe = Pipe()
        private let lock = NSLock()
        private var text = ""

        init(_ args: [String]) throws {
            process.executableURL = try DiskFullTests.svdllm()
            process.arguments = args
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.detachNewThread { [self] in
                while true {
                    let data = pipe.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    lock.withLock { text += String(decoding: data, as: UTF8.self) }
                }
            }
        }

        var lines: [String] { lock.withLock { text.split(separator: "\n").map(String.init) } }

        /// Waits until `count` lines have come or the process has ended.
        func wait(forLines count: Int) {
            while lines.count < count && process.isRunning { usleep(200) }
        }
    }

    /// Names in OUT.partial a reader could be misled by: a layer's JSON (what marks it finished) without a
    /// safetensors file that opens whole, a run.json that does not parse, an unknown name that is not a temporary.
    static func halfWrittenFiles(in partial: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? []
        var problems: [String] = []
        for name in names where !name.hasPrefix(".") {
            let url = partial.appendingPathComponent(name)
            if name == "run.json" || name.hasSuffix(".json") {
                if (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) == nil { problems.append(name) }
                if name != "run.json", !names.contains(name.replacingOccurrences(of: ".json", with: ".safetensors")) {
                    problems.append("\(name) without its safetensors")
                }
            } else if name.hasSuffix(".safetensors") {
                do {
                    let file = try SafeTensorsFile(url: url)
                    for tensor in file.names { _ = try file.tensor(tensor) }
                } catch { problems.append("\(name): \(error)") }
            } else {
                problems.append("unknown \(name)")
            }
        }
        return problems
    }

    static func sameFolders(_ a: URL, _ b: URL) throws -> Bool {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: a.path).sorted()
        guard names == (try fm.contentsOfDirectory(atPath: b.path).sorted()) else { return false }
        return try names.allSatisfy { try Data(contentsOf: a.appendingPathComponent($0)) == Data(contentsOf: b.appendingPathComponent($0)) }
    }

    @Test func threeKillsAtProgressLinesThenResumeGiveTheSameFolder() throws {
        let s = try RunLockTests.Scratch()
        defer { s.remove() }
        let reference = s.root.appendingPathComponent("reference/out"), out = s.root.appendingPathComponent("soak/out")
        let args = { (dest: URL) in s.compress(out: dest) + ["--method", "whiten+update"] }
        let ref = try WatchedRun(args(reference))
        ref.process.waitUntilExit()
        try #require(ref.process.terminationStatus == 0, "\(ref.lines)")
        let lineCount = ref.lines.count  // predicted peak, 3 per layer, writing
        #expect(ref.lines.contains { $0.hasPrefix("compress: writing ") }, "\(ref.lines)")

        var g = SeededGenerator(seed: 23)
        var kills = 0, resume = false
        while kills < 3 {
            let run = try WatchedRun(args(out) + (resume ? ["--resume"] : []))
            let line = 1 + Int(g.next() % UInt64(lineCount))
            run.wait(forLines: line)
            usleep(UInt32(g.next() % 3000))
            _ = kill(run.process.processIdentifier, SIGKILL)
            run.process.waitUntilExit()
            if run.process.terminationReason == .exit {  // it ended before the kill
                #expect(run.process.terminationStatus == 0, "\(run.lines)")
                #expect(try Self.sameFolders(out, reference))
                try FileManager.default.removeItem(at: out)
                resume = false
                continue
            }
            let partial = s.root.appendingPathComponent("soak/out.partial")
            if FileManager.default.fileExists(atPath: out.path), !FileManager.default.fileExists(atPath: partial.path) {
                // Killed after its last step (OUT in place, OUT.partial removed) but before it exited: the run is
                // finished, and there is nothing to resume.
                #expect(try Self.sameFolders(out, reference), "killed after finishing: OUT is whole")
                try FileManager.default.removeItem(at: out)
                resume = false
                continue
            }
            kills += 1
            resume = true
            #expect(Self.halfWrittenFiles(in: partial).isEmpty, "kill \(kills) after \(run.lines.last ?? "-"): \(Self.halfWrittenFiles(in: partial))")
            if FileManager.default.fileExists(atPath: out.path) {
                #expect(try Self.sameFolders(out, reference), "kill \(kills): OUT is there, and whole")
            }
        }
        let last = try WatchedRun(args(out) + ["--resume"])
        last.process.waitUntilExit()
        #expect(last.process.terminationStatus == 0, "\(last.lines)")
        #expect(try Self.sameFolders(out, reference), "the resumed folder equals the uninterrupted one byte for byte")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["out"],
                "no OUT.partial, lock or staging folder left")
    }
}
