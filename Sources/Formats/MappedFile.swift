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
    /// True when `bytes` is a heap copy (``init(copying:path:)``) rather than a mapping.
    private let isHeapCopy: Bool

    /// An in-memory stand-in for a mapped file (a copy of `bytes`), so tests can parse thousands of corrupted
    /// variants without touching the file system.
    init(copying source: [UInt8], path: String) {
        self.path = path
        isHeapCopy = true
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 64)
        source.withUnsafeBytes { p.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(p)
    }

    public init(url: URL) throws(FormatError) {
        path = url.path
        isHeapCopy = false
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
        if isHeapCopy {
            UnsafeMutableRawBufferPointer(mutating: bytes).deallocate()
        } else if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    public var count: Int { bytes.count }

    /// Gives the pages wholly inside `range` (byte offsets) back to the kernel (`madvise(MADV_DONTNEED)`): they
    /// leave the resident set, and a later read maps them in again from the file, unchanged. A loader calls it
    /// once a tensor has been converted, so the mapped file and the converted copy are not resident together.
    /// No-op for a heap copy.
    public func releasePages(_ range: Range<Int>) {
        guard !isHeapCopy, let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (range.lowerBound + page - 1) / page * page, hi = Swift.min(range.upperBound, bytes.count) / page * page
        guard lo < hi else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, Int32(MADV_DONTNEED))
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
