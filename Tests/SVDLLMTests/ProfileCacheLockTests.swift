import Foundation
import Formats
import SVDLLM
import Testing

/// ``ProfileCache``: one process at a time writes a fingerprint's cache; a complete cache is shared without a lock.
@Suite struct ProfileCacheLockTests {
    @Test func anIncompleteCacheHasOneWriterAndACompleteOneManyReaders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("svdllm-tests-cache-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var fingerprint = RunFingerprint()
        fingerprint.add(windows: [[1, 2, 3]])
        let writer = try ProfileCache(root: root, fingerprint: fingerprint)
        #expect(!writer.isComplete)
        let lockFile = FolderLock.lockFile(for: writer.directory)
        #expect(FileManager.default.fileExists(atPath: lockFile.path))

        // A second writer of the same cache is refused, naming the cache folder and the holder's pid.
        do {
            _ = try ProfileCache(root: root, fingerprint: fingerprint)
            Issue.record("a second writer of the same cache was let in")
        } catch let error as FolderLockError {
            guard case let .held(folder, file, pid, _) = error else { Issue.record("\(error)"); return }
            #expect(folder == writer.directory.path && file == lockFile.path && pid == getpid())
        }

        // Another fingerprint under the same root is another cache, with a lock of its own.
        var other = RunFingerprint()
        other.add(windows: [[4, 5]])
        let otherWriter = try ProfileCache(root: root, fingerprint: other)
        #expect(!otherWriter.isComplete && otherWriter.directory != writer.directory)

        // Complete: read-only from then on, so the lock is released and any number of readers open it.
        try writer.markComplete(layers: 0)
        #expect(!FileManager.default.fileExists(atPath: lockFile.path))
        let a = try ProfileCache(root: root, fingerprint: fingerprint)
        let b = try ProfileCache(root: root, fingerprint: fingerprint)
        #expect(a.isComplete && b.isComplete)
        withExtendedLifetime(otherWriter) {}
    }
}
