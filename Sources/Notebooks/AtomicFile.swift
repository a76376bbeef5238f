#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a whole file so readers see either the old file or the complete new one: the bytes go to a
/// temporary file in the destination's folder (`.<name>.XXXXXX.tmp`), which is flushed (`fsync`) and renamed
/// over the destination (atomic within one file system); on any failure the temporary file is removed.
/// (The one-shot counterpart of the Formats module's streaming `AtomicFileWriter`.)
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws(NotebookError) {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        var template = Array("\(folder)/.\(url.lastPathComponent).XXXXXX.tmp".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else { throw .io(file: path, reason: "cannot create a temporary file in \(folder): \(errnoText())") }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fchmod(fd, 0o644)
        var failure: String?
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(errnoText())"
                    return
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = "fsync failed: \(errnoText())" }
        if close(fd) != 0 && failure == nil { failure = "close failed: \(errnoText())" }
        if failure == nil && rename(tempPath, path) != 0 {
            failure = "cannot rename the temporary file into place: \(errnoText())"
        }
        if let failure {
            unlink(tempPath)
            throw .io(file: path, reason: failure)
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
