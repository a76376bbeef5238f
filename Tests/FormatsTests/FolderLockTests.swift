import Foundation
import Testing
@testable import Formats

/// ``FolderLock``: a second lock on a folder is refused at once, naming the folder and the holder's pid; the lock
/// of a killed process does not block; releasing removes the lock file.
@Suite struct FolderLockTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folder-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The lock error of taking `folder`'s lock now, or nil if it was taken (and is released again).
    static func refusal(_ folder: URL) -> FolderLockError? {
        do {
            let lock = try FolderLock(guarding: folder)
            lock.release()
            return nil
        } catch {
            return error
        }
    }

    @Test func secondLockOnTheSameFolderIsRefusedNamingFolderAndPid() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let lock = try FolderLock(guarding: out)
        #expect(lock.isHeld)
        #expect(lock.file.path == root.appendingPathComponent("out.lock").path)
        #expect(FolderLock.recordedHolder(of: out)?.pid == getpid())

        // Another open of the same file, in the same process, conflicts (flock locks belong to the open file).
        let error = try #require(Self.refusal(out))
        guard case let .held(folder, lockFile, pid, since) = error else {
            Issue.record("not a held error: \(error)")
            return
        }
        #expect(folder == out.path && lockFile == lock.file.path)
        #expect(pid == getpid() && since != nil)
        #expect(error.description.contains(out.path) && error.description.contains("process \(getpid())"),
                "\(error.description)")
        // Nothing of the folder was created; the holder is untouched.
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(lock.isHeld && FolderLock.recordedHolder(of: out)?.pid == getpid())

        // Released: the file is gone and the lock can be taken again (also through a path spelled differently).
        lock.release()
        lock.release()  // idempotent
        #expect(!lock.isHeld)
        #expect(!FileManager.default.fileExists(atPath: lock.file.path))
        #expect(Self.refusal(root.appendingPathComponent("x/../out")) == nil)
    }

    @Test func deinitReleasesTheLock() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        do {
            let lock = try FolderLock(guarding: out)
            #expect(Self.refusal(out) != nil)
            withExtendedLifetime(lock) {}
        }
        #expect(Self.refusal(out) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test func locksOfOtherFoldersAreIndependent() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try FolderLock(guarding: root.appendingPathComponent("a"))
        let b = try FolderLock(guarding: root.appendingPathComponent("b"))
        #expect(a.isHeld && b.isHeld)
        // Missing parent folders are created for the lock file.
        let deep = try FolderLock(guarding: root.appendingPathComponent("x/y/c"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("x/y/c.lock").path))
        deep.release()
    }

    /// A lock held by another process blocks; once that process is SIGKILLed, its lock file is still there but the
    /// kernel has dropped the lock, and the folder can be locked again.
    @Test func lockOfAKilledProcessDoesNotBlock() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let lockFile = FolderLock.lockFile(for: out)

        // A child that takes the lock file's flock, writes a holder record as FolderLock does, says so and waits.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["python3", "-c", """
            import fcntl, os, sys, time
            f = open(sys.argv[1], "a+")
            fcntl.flock(f, fcntl.LOCK_EX)
            f.truncate(0); f.write('{"pid": %d, "since": "then"}' % os.getpid()); f.flush()
            print("locked", flush=True)
            time.sleep(120)
            """, lockFile.path]
        let ready = Pipe()
        child.standardOutput = ready
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let line = String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self)
        try #require(line.hasPrefix("locked"), "the python3 child did not take the lock: '\(line)'")

        let error = try #require(Self.refusal(out), "a lock held by another process was taken")
        #expect(error == .held(folder: out.path, lockFile: lockFile.path, pid: child.processIdentifier, since: "then"))

        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(FileManager.default.fileExists(atPath: lockFile.path), "the killed holder's file stays")
        #expect(FolderLock.recordedHolder(of: out)?.pid == child.processIdentifier)

        let lock = try FolderLock(guarding: out)
        #expect(FolderLock.recordedHolder(of: out)?.pid == getpid(), "the new holder's record replaces the stale one")
        lock.release()
        #expect(!FileManager.default.fileExists(atPath: lockFile.path))
    }

    /// A lock file that cannot be created is an I/O error naming it, not a crash or a held lock.
    @Test func unwritableLocationIsAnIOError() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        let error = try #require(Self.refusal(file.appendingPathComponent("out")))
        guard case let .io(path, _) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(path == file.path)
    }
}
