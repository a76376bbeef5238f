#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An advisory, exclusive lock on a folder that one process writes for a long time (a compression's output
/// folder with its `OUT.partial` checkpoints, a profile cache): while one process holds it, another that asks for
/// it is refused at once with ``FolderLockError/held(folder:lockFile:pid:since:)``, naming the holder's pid.
///
/// - The lock is `flock(LOCK_EX | LOCK_NB)` on `FOLDER.lock`, a file beside the folder (``lockFile(for:)``): it
///   can be taken before anything in the folder is touched, and it stays put while the folder is removed,
///   replaced or renamed into place.
/// - The kernel drops the lock when the holding process ends, however it ends. A lock file left behind by a
///   killed process therefore does not block: it is the lock that counts, not the file. The descriptor is
///   close-on-exec, so processes the holder starts do not inherit the lock.
/// - Having taken the lock, the holder writes its pid and the time into the file (``Holder``); a refused process
///   reads them for its message.
/// - ``release()`` (also run on deinit) removes the file while still holding the lock, then unlocks. A process
///   that opened the file just before it was removed and then locked it finds that the path no longer leads to
///   the file it locked, and starts over; so removing the file never lets two processes hold the lock at once.
/// - `flock` locks belong to an open file, not to a process: two `FolderLock`s on one folder conflict within
///   one process too.
/// - Advisory: only processes that take the lock are kept out. Meant for local file systems.
public final class FolderLock: @unchecked Sendable {
    /// The folder the lock guards.
    public let folder: URL
    /// The lock file, `FOLDER.lock`.
    public let file: URL
    /// Guards `descriptor` (``release()`` may run from any thread).
    private let state = NSLock()
    private var descriptor: Int32 = -1

    /// What a holder writes into its lock file.
    public struct Holder: Codable, Equatable, Sendable {
        /// The holding process.
        public var pid: Int32
        /// When it took the lock (ISO 8601, UTC).
        public var since: String

        public init(pid: Int32, since: String) {
            self.pid = pid
            self.since = since
        }
    }

    /// The lock file of `folder`: `FOLDER.lock` in the folder's parent.
    public static func lockFile(for folder: URL) -> URL {
        let folder = folder.standardizedFileURL
        return folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + ".lock")
    }

    /// Takes the lock of `folder` (which need not exist; its parent folders are created), or fails at once.
    ///
    /// - Throws: ``FolderLockError/held(folder:lockFile:pid:since:)`` when another process, or another
    ///   `FolderLock` of this one, holds it; ``FolderLockError/io(file:reason:)`` when the lock file cannot be
    ///   created or locked (e.g. a read-only location).
    public init(guarding folder: URL) throws(FolderLockError) {
        self.folder = folder.standardizedFileURL
        file = Self.lockFile(for: folder)
        let parent = file.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw .io(file: parent.path, reason: "cannot create this folder (for the lock file \(file.lastPathComponent)): "
                      + error.localizedDescription)
        }
        // A few rounds at most: a round is repeated only when the holder removed the file in between.
        for _ in 0..<64 {
            let fd = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io(file: file.path, reason: "cannot create the lock file: \(Self.errnoText())") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                if code == EINTR {
                    close(fd)
                    continue
                }
                if code == EWOULDBLOCK {
                    let holder = Self.holder(readingFrom: fd)
                    close(fd)
                    throw .held(folder: self.folder.path, lockFile: file.path, pid: holder?.pid, since: holder?.since)
                }
                close(fd)
                throw .io(file: file.path, reason: "cannot lock: \(String(cString: strerror(code)))")
            }
            guard Self.isCurrent(fd, path: file.path) else {
                close(fd)  // locked a file its holder has just removed: start over on the path's file
                continue
            }
            descriptor = fd
            writeHolder()
            return
        }
        throw .io(file: file.path, reason: "cannot lock: the lock file keeps being removed")
    }

    deinit { release() }

    /// Whether this value still holds the lock.
    public var isHeld: Bool {
        state.lock()
        defer { state.unlock() }
        return descriptor >= 0
    }

    /// Removes the lock file and unlocks; idempotent.
    public func release() {
        state.lock()
        defer { state.unlock() }
        guard descriptor >= 0 else { return }
        if Self.isCurrent(descriptor, path: file.path) { unlink(file.path) }  // still locked: nobody else can be in
        close(descriptor)
        descriptor = -1
    }

    /// What `folder`'s lock file says about its holder, if it exists and holds a record. The record may be
    /// stale (a killed holder's); only taking the lock tells whether it is held.
    public static func recordedHolder(of folder: URL) -> Holder? {
        guard let data = FileManager.default.contents(atPath: lockFile(for: folder).path) else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }

    /// Writes this process's record into the (locked) file. A failure only costs the refused side its message's
    /// pid, so it is not an error.
    private func writeHolder() {
        let formatter = ISO8601DateFormatter()
        guard let data = try? JSONEncoder().encode(Holder(pid: getpid(), since: formatter.string(from: Date()))) else {
            return
        }
        _ = ftruncate(descriptor, 0)
        _ = data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, $0.count, 0) }
    }

    /// The holder's record, read through a descriptor of the locked file. The holder writes it just after
    /// locking, so an empty file is read again for a short while.
    private static func holder(readingFrom fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for attempt in 0..<20 {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0, let holder = try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<n])) { return holder }
            if attempt < 19 { usleep(5_000) }
        }
        return nil
    }

    /// Whether `path` still names the file open as `fd`.
    private static func isCurrent(_ fd: Int32, path: String) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
