#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a file so that readers see either the old file or the complete new one, never a partial one.
///
/// Bytes go to a fresh temporary file in the destination's folder (`.<name>.XXXXXX.tmp`); ``commit()``
/// flushes it to disk (`fsync`) and renames it over the destination (atomic within one file system).
/// If the writer is dropped without `commit()`, or any step fails, the temporary file is removed.
public final class AtomicFileWriter {
    /// The destination, as used in error messages.
    public let path: String
    private var tempPath: String
    private var fd: Int32
    private var finished = false

    public init(url: URL) throws(FormatError) {
        path = url.path
        let folder = url.deletingLastPathComponent().path
        var template = Array("\(folder)/.\(url.lastPathComponent).XXXXXX.tmp".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else {
            throw FormatError.io(file: url.path, reason: "cannot create a temporary file in \(folder): \(Self.errnoText())")
        }
        self.fd = fd
        self.tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fchmod(fd, 0o644)
    }

    deinit { abandon() }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        precondition(!finished, "AtomicFileWriter: write after commit")
        var done = 0
        while done < bytes.count {
            let n = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = "write failed: \(Self.errnoText())"
                abandon()
                throw FormatError.io(file: path, reason: reason)
            }
            done += n
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(FormatError) {
        var failure: FormatError?
        bytes.withUnsafeBytes { buf in
            do throws(FormatError) { try write(buf) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes the temporary file and renames it to the destination.
    public func commit() throws(FormatError) {
        precondition(!finished, "AtomicFileWriter: commit twice")
        guard fsync(fd) == 0 else {
            let reason = "fsync failed: \(Self.errnoText())"
            abandon()
            throw FormatError.io(file: path, reason: reason)
        }
        guard close(fd) == 0 else {
            fd = -1
            let reason = "close failed: \(Self.errnoText())"
            abandon()
            throw FormatError.io(file: path, reason: reason)
        }
        fd = -1
        guard rename(tempPath, path) == 0 else {
            let reason = "cannot rename the temporary file into place: \(Self.errnoText())"
            abandon()
            throw FormatError.io(file: path, reason: reason)
        }
        finished = true
    }

    /// Writes the whole of `data` to `url` atomically (one write, then ``commit()``).
    public static func write(_ data: Data, to url: URL) throws(FormatError) {
        let writer = try AtomicFileWriter(url: url)
        var failure: FormatError?
        data.withUnsafeBytes { buf in
            do throws(FormatError) { try writer.write(buf) } catch { failure = error }
        }
        if let failure { throw failure }
        try writer.commit()
    }

    /// Closes and removes the temporary file (no-op after `commit()`).
    private func abandon() {
        guard !finished else { return }
        finished = true
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// POSIX `write(2)` (the bare name is shadowed by the method inside the class).
@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
