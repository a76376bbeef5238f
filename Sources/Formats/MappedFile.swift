#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A whole file mapped read-only into memory (POSIX `mmap`, `PROT_READ`, `MAP_PRIVATE`).
///
/// The mapping lives as long as the object; views handed out by ``bytes`` must not outlive it.
/// An empty file maps to an empty buffer (mmap of zero bytes is not allowed, so nothing is mapped).
public final class MappedFile: @unchecked Sendable {
    /// The path, as used in error messages.
    public let path: String
    /// The mapped bytes (count = the file size).
    public let bytes: UnsafeRawBufferPointer

    public init(url: URL) throws(FormatError) {
        path = url.path
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw FormatError.io(file: url.path, reason: "cannot open: \(Self.errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError.io(file: url.path, reason: "cannot stat: \(Self.errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError.io(file: url.path, reason: "not a regular file") }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FormatError.io(file: url.path, reason: "cannot map: \(Self.errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    public var count: Int { bytes.count }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
