#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A regular file opened read-only, read with `pread` at explicit offsets (no shared cursor).
///
/// Every failure is a ``FormatError/io(file:reason:)`` naming the file; reads past the end are refused
/// before any system call, so callers check sizes first and report them against their own field.
final class PositionalFileReader {
    /// The path, as used in error messages.
    let path: String
    /// Size in bytes when opened.
    let size: Int
    private let fd: Int32

    init(url: URL) throws(FormatError) {
        path = url.path
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError.io(file: url.path, reason: "cannot open: \(Self.errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = "cannot stat: \(Self.errnoText())"
            close(fd)
            throw FormatError.io(file: url.path, reason: reason)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FormatError.io(file: url.path, reason: "not a regular file")
        }
        self.fd = fd
        self.size = Int(st.st_size)
    }

    deinit { close(fd) }

    /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count` (which must lie inside the file).
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(FormatError) {
        precondition(offset >= 0 && buffer.count <= size - offset, "PositionalFileReader: read past end")
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError.io(file: path, reason: "read failed at byte \(offset + done): \(Self.errnoText())")
            }
            if n == 0 {
                throw FormatError.io(file: path, reason: "file shrank while reading (end at byte \(offset + done))")
            }
            done += n
        }
    }

    /// The bytes at `offset ..< offset + count` (which must lie inside the file).
    func bytes(at offset: Int, count: Int) throws(FormatError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var failure: FormatError?
        out.withUnsafeMutableBytes { buf in
            do throws(FormatError) { try read(at: offset, into: buf) } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
