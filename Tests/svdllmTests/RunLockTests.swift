import Foundation
import Testing
import SVDLLMKit

/// Runs that write the same folder at once: while one `svdllm compress … --out OUT` runs, another on OUT (even
/// with `--force` or `--resume`), a `quantize`/`convert` into OUT, or a compress writing the same profile cache is
/// refused at once with an error naming the folder and the running process's pid, and the first run finishes
/// untouched. A killed run's lock does not block, and `--resume` finishes after it. Bad inputs fail with an error
/// naming the file before profiling starts.
///
/// The model is the 2-layer tiny LLaMA of the runtime tests with a tokenizer of its 97 ids written here. The
/// first run is held in the middle deterministically: its stderr is a pipe that is already full, so it stops at
/// its first progress line (block 0 profiled, OUT.partial made) until the test reads the pipe.
@Suite(.serialized) struct RunLockTests {
    /// A scratch folder with `tiny/` (config.json, model.safetensors, tokenizer.json) and `calib.txt`.
    struct Scratch {
        let root: URL
        var model: URL { root.appendingPathComponent("tiny") }
        var calib: URL { root.appendingPathComponent("calib.txt") }

        init() throws {
            let fm = FileManager.default
            root = fm.temporaryDirectory.appendingPathComponent("svdllm-run-lock-\(UUID().uuidString)")
            try fm.createDirectory(at: root.appendingPathComponent("tiny"), withIntermediateDirectories: true)
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("TransformerRuntimeTests/Fixtures/tiny/llama")
            for name in ["config.json", "model.safetensors"] {
                try fm.copyItem(at: fixture.appendingPathComponent(name), to: model.appendingPathComponent(name))
            }
            try Self.tokenizerJSON().write(to: model.appendingPathComponent("tokenizer.json"))
            var g = SeededGenerator(seed: 7)
            let words = (0..<3000).map { _ in
                String((0..<(1 + Int(g.next() % 8))).map { _ in Character(UnicodeScalar(UInt8(97 + g.next() % 26))) })
            }
            try Data(words.joined(separator: " ").utf8).write(to: calib)
        }

        /// A byte-level BPE without merges whose 97 ids fit the tiny model: 3 specials, `Ġ` (space) and the
        /// printable ASCII characters `!`…`}`.
        static func tokenizerJSON() throws -> Data {
            let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
            var vocab: [String: Int] = ["Ġ": 3]
            for (i, s) in specials.enumerated() { vocab[s] = i }
            for c in 0x21...0x7d { vocab[String(UnicodeScalar(UInt8(c)))] = c - 0x21 + 4 }
            let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                                            "use_regex": true]
            let json: [String: Any] = [
                "version": "1.0",
                "added_tokens": specials.enumerated().map { i, s in
                    ["id": i, "content": s, "single_word": false, "lstrip": false, "rstrip": false,
                     "normalized": false, "special": true] as [String: Any]
                },
                "normalizer": NSNull(), "post_processor": NSNull(),
                "pre_tokenizer": byteLevel, "decoder": byteLevel,
                "model": ["type": "BPE", "byte_fallback": false, "vocab": vocab, "merges": [String]()] as [String: Any],
            ]
            return try JSONSerialization.data(withJSONObject: json)
        }

        /// `compress` of the tiny model into `out` (2 windows of 16 tokens, one thread).
        func compress(out: URL) -> [String] {
            ["compress", model.path, "--ratio", "0.4", "--calib", calib.path, "--nsamples", "2", "--seqlen", "16",
             "--threads", "1", "--out", out.path]
        }

        func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() }

        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// Runs `svdllm ARGS` to its end; the exit status and stderr.
    static func run(_ args: [String]) throws -> (status: Int32, stderr: String) {
        let (status, stderr) = try DiskFullTests.run(args, fileBlocks: nil)
        return (status, stderr)
    }

    /// `svdllm ARGS` started with a full stderr pipe: it runs until its first line on stderr and waits there.
    struct HeldRun {
        let process: Process
        let stderr: Pipe
        var pid: Int32 { process.processIdentifier }

        init(_ args: [String]) throws {
            stderr = Pipe()
            let fd = stderr.fileHandleForWriting.fileDescriptor
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            let chunk = [UInt8](repeating: UInt8(ascii: "#"), count: 4096)
            for size in [4096, 1] {  // until not even one byte fits
                while chunk.withUnsafeBytes({ write(fd, $0.baseAddress!, size) }) == size {}
            }
            _ = fcntl(fd, F_SETFL, flags)  // the child's stderr blocks
            process = Process()
            process.executableURL = try DiskFullTests.svdllm()
            process.arguments = args
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        /// Waits until `condition` holds while the run is alive (at most 5 minutes: debug builds on a busy machine).
        func wait(until condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(300)
            while !condition() {
                try #require(process.isRunning, "the held run ended early")
                try #require(Date() < deadline, "timed out waiting for the held run")
                usleep(20_000)
            }
        }

        /// Lets it go on: reads its stderr to the end and waits for its exit; the exit status and stderr.
        func finish() -> (status: Int32, stderr: String) {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            return (process.terminationStatus, String(text.drop { $0 == "#" }))
        }

        func killNow() {
            _ = kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func secondRunOnTheSameOutputIsRefusedAndTheFirstFinishes() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.root.appendingPathComponent("out")
        let first = try HeldRun(s.compress(out: out))
        defer { if first.process.isRunning { first.killNow() } }
        try first.wait { s.exists("out.partial/run.json") }
        #expect(FolderLock.recordedHolder(of: out)?.pid == first.pid, "the running compress holds OUT's lock")

        for extra in [["--force"], ["--resume"], ["--resume", "--force"]] {
            let (status, stderr) = try Self.run(s.compress(out: out) + extra)
            #expect(status == 1, "\(extra): \(stderr)")
            #expect(stderr.contains(out.path) && stderr.contains("process \(first.pid)"), "\(extra): \(stderr)")
            #expect(!stderr.contains("compress: layer"), "refused before any work: \(stderr)")
        }
        // The other commands that write a folder take the same lock.
        let quantize = try Self.run(["quantize", s.model.path, "--method", "rtn", "--bits", "4", "--threads", "1",
                                     "--out", out.path, "--force"])
        #expect(quantize.status == 1 && quantize.stderr.contains("process \(first.pid)"), "\(quantize.stderr)")
        let convert = try Self.run(["convert", s.root.appendingPathComponent("model.gguf").path, "--out", out.path,
                                    "--force"])
        #expect(convert.status == 1 && convert.stderr.contains("process \(first.pid)"), "\(convert.stderr)")

        // The first run's checkpoint folder was not touched, and it finishes.
        #expect(first.process.isRunning && s.exists("out.partial/run.json"))
        let (status, log) = first.finish()
        #expect(status == 0, "\(log)")
        #expect(try s.entries() == ["calib.txt", "out", "tiny"], "the lock file and OUT.partial are gone")
        #expect(s.exists("out/model.safetensors") && s.exists("out/config.json"))
    }

    @Test func aKilledRunDoesNotBlockAndResumeFinishesIt() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.root.appendingPathComponent("out")
        let first = try HeldRun(s.compress(out: out))
        defer { if first.process.isRunning { first.killNow() } }
        try first.wait { s.exists("out.partial/run.json") }
        first.killNow()
        #expect(s.exists("out.lock") && FolderLock.recordedHolder(of: out)?.pid == first.pid, "a stale lock file")

        let (status, stderr) = try Self.run(s.compress(out: out) + ["--resume"])
        #expect(status == 0, "\(stderr)")
        #expect(try s.entries() == ["calib.txt", "out", "tiny"])
        #expect(s.exists("out/model.safetensors"))
    }

    /// Killed after OUT was put in place and before OUT.partial was removed (or while removing it): `--resume`
    /// recognizes OUT as this run's (by the run recorded in its config.json), removes OUT.partial and leaves OUT as
    /// it is. An OUT written by another run is still refused without `--force`.
    @Test func aResumeAfterTheFolderWasInPlaceFinishesTheCleanup() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.root.appendingPathComponent("out")
        let partial = s.root.appendingPathComponent("out.partial"), kept = s.root.appendingPathComponent("kept.partial")
        let fm = FileManager.default
        // The checkpoint as it was before the write: layer 0 finished (a range run), kept aside; then the whole run.
        var step = try Self.run(s.compress(out: out) + ["--layers", "0-0"])
        #expect(step.status == 0, "\(step.stderr)")
        try fm.copyItem(at: partial, to: kept)
        step = try Self.run(s.compress(out: out) + ["--resume"])
        #expect(step.status == 0, "\(step.stderr)")
        let written = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))

        try fm.copyItem(at: kept, to: partial)
        step = try Self.run(s.compress(out: out) + ["--resume"])
        #expect(step.status == 0, "\(step.stderr)")
        #expect(step.stderr.contains("already written by this run"), "\(step.stderr)")
        #expect(try s.entries() == ["calib.txt", "kept.partial", "out", "tiny"], "OUT.partial removed, OUT kept")
        #expect(try Data(contentsOf: out.appendingPathComponent("model.safetensors")) == written)

        // Another run (ratio 0.5) stopped with its checkpoint beside this OUT: not its folder, refused.
        var other = s.compress(out: out)
        other[other.firstIndex(of: "--ratio")! + 1] = "0.5"
        step = try Self.run(other + ["--layers", "0-0", "--force"])  // (a range leaves OUT as it is)
        #expect(step.status == 0, "\(step.stderr)")
        step = try Self.run(other + ["--resume"])
        #expect(step.status == 1 && step.stderr.contains(out.path) && step.stderr.contains("not empty"), "\(step.stderr)")
        #expect(fm.fileExists(atPath: partial.path))
        #expect(try Data(contentsOf: out.appendingPathComponent("model.safetensors")) == written)
    }

    @Test func twoRunsWritingOneProfileCacheAreRefused() throws {
        let s = try Scratch()
        defer { s.remove() }
        let cache = s.root.appendingPathComponent("cache")
        let args = { (out: String) in s.compress(out: s.root.appendingPathComponent(out)) + ["--profile-cache", cache.path] }
        let first = try HeldRun(args("a"))
        defer { if first.process.isRunning { first.killNow() } }
        // Held after profiling block 0: the cache `cache/<fingerprint>` is being written, and locked.
        try first.wait { s.exists("a.partial/run.json") }
        let names = try FileManager.default.contentsOfDirectory(atPath: cache.path).sorted()
        let folder = cache.appendingPathComponent(try #require(names.first { !$0.hasSuffix(".lock") }))
        #expect(names == [folder.lastPathComponent, folder.lastPathComponent + ".lock"])
        #expect(FolderLock.recordedHolder(of: folder)?.pid == first.pid, "the running compress holds the cache's lock")

        // Another output, the same cache: refused, naming the cache folder and the pid, before its OUT.partial.
        let (status, stderr) = try Self.run(args("b"))
        #expect(status == 1, "\(stderr)")
        #expect(stderr.contains(folder.path) && stderr.contains("process \(first.pid)"), "\(stderr)")
        #expect(!s.exists("b.partial") && !s.exists("b.lock") && !s.exists("b"))

        let (done, log) = first.finish()
        #expect(done == 0, "\(log)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("complete.json").path))
        #expect(!FileManager.default.fileExists(atPath: FolderLock.lockFile(for: folder).path))
        // Complete, the cache is read by the next run.
        let again = try Self.run(args("b"))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(s.exists("b/model.safetensors"))
    }

    @Test func badInputsFailNamingTheFileBeforeProfiling() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.root.appendingPathComponent("out")
        func expectEarlyFailure(_ args: [String], naming names: [String], _ comment: String) throws {
            let (status, stderr) = try Self.run(args)
            #expect(status == 1, "\(comment): \(stderr)")
            for name in names { #expect(stderr.contains(name), "\(comment): \(stderr) should name \(name)") }
            #expect(!stderr.contains("compress: layer"), "\(comment): failed before profiling: \(stderr)")
            let expected = (s.exists("bad") ? ["bad"] : []) + ["calib.txt", "tiny"]
            #expect(try s.entries() == expected, "\(comment): nothing left behind")
        }

        let missing = s.root.appendingPathComponent("missing.txt").path
        var args = s.compress(out: out)
        args[args.firstIndex(of: "--calib")! + 1] = missing
        try expectEarlyFailure(args, naming: [missing], "missing --calib")
        // quantize reads --eval-text after quantizing and writing --out: checked first, nothing is written.
        try expectEarlyFailure(["quantize", s.model.path, "--method", "rtn", "--bits", "4", "--threads", "1",
                                "--out", out.path, "--eval-text", missing], naming: [missing], "missing --eval-text")

        #if os(Linux)
        let unwritable = "/proc/svdllm-cannot-write-\(UUID().uuidString)"
        try expectEarlyFailure(s.compress(out: URL(fileURLWithPath: unwritable + "/out")), naming: [unwritable],
                               "an --out that cannot be created")
        #endif

        // A folder whose config.json disagrees with its safetensors.
        let bad = s.root.appendingPathComponent("bad")
        try FileManager.default.copyItem(at: s.model, to: bad)
        let configURL = bad.appendingPathComponent("config.json")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        for (key, value, tensor) in [("hidden_size", 48, "model.embed_tokens.weight"),
                                     ("num_hidden_layers", 3, "model.layers.2."),
                                     ("num_hidden_layers", 1, "model.layers.1.")] {
            var edited = config
            edited[key] = value
            try JSONSerialization.data(withJSONObject: edited).write(to: configURL)
            args = s.compress(out: out)
            args[1] = bad.path
            try expectEarlyFailure(args, naming: [bad.path, tensor], "config.json \(key) \(value)")
        }
    }
}
