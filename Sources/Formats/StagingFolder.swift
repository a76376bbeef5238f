import Foundation

/// An output folder written atomically: its files are assembled in a fresh sibling `DEST.tmp-XXXXXX` (made by
/// `mkdtemp`, then opened to 0755) and the finished folder is renamed to `DEST`.
///
/// - On any error in the body the temporary folder is removed and `DEST` is untouched.
/// - `DEST` may be absent or an empty folder; a non-empty folder only with `force`. A replaced folder is moved
///   aside first, and put back if the final rename fails, so at every moment one complete folder is at `DEST`.
/// - `DEST`'s parent must be a writable folder, or not exist yet below one (it is then created).
/// - The destination is checked before any work and again just before the rename.
/// - Two processes assembling the same `DEST` are kept apart by the caller, with a ``FolderLock`` on `DEST`; so a
///   `DEST.tmp-XXXXXX` already there when one starts was left by a writer that was killed, and is removed.
public enum StagingFolder {
    /// Runs `body` with the temporary folder, then renames it to `destination`.
    ///
    /// - Throws: ``FormatError/invalid(file:field:reason:)`` (field `destination`) for an unusable destination,
    ///   ``FormatError/io(file:reason:)`` when the folder cannot be made or moved, or whatever `body` throws.
    public static func assemble<R>(at destination: URL, force: Bool, _ body: (URL) throws -> R) throws -> R {
        let fm = FileManager.default
        let dest = destination.standardizedFileURL
        try checkDestination(dest, force: force)
        let parent = dest.deletingLastPathComponent()
        try? fm.createDirectory(at: parent, withIntermediateDirectories: true)  // (mkdtemp reports a failure)
        removeAbandoned(beside: dest)
        var template = Array("\(parent.path)/\(dest.lastPathComponent).tmp-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw FormatError.io(file: dest.path, reason: "cannot create a temporary folder in \(parent.path): "
                                 + String(cString: strerror(errno)))
        }
        let tmp = URL(fileURLWithPath: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        _ = chmod(tmp.path, 0o755)  // mkdtemp makes it private; the folder is an ordinary output
        var committed = false
        defer { if !committed { try? fm.removeItem(at: tmp) } }

        let result = try body(tmp)

        // Into place.
        try checkDestination(dest, force: force)
        var aside: URL?
        if fm.fileExists(atPath: dest.path) {
            if try fm.contentsOfDirectory(atPath: dest.path).isEmpty {
                try fm.removeItem(at: dest)
            } else {
                let old = parent.appendingPathComponent("\(dest.lastPathComponent).old-\(UUID().uuidString)")
                guard rename(dest.path, old.path) == 0 else {
                    throw FormatError.io(file: dest.path, reason: "cannot move aside: \(String(cString: strerror(errno)))")
                }
                aside = old
            }
        }
        guard rename(tmp.path, dest.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = rename(aside.path, dest.path) }
            throw FormatError.io(file: dest.path, reason: "cannot rename the finished folder into place: \(reason)")
        }
        committed = true
        if let aside { try? fm.removeItem(at: aside) }
        return result
    }

    /// Removes the temporary folders (`DEST.tmp-XXXXXX`) that writers of `dest` killed before their rename left
    /// beside it. Only for the holder of `dest`'s ``FolderLock``: another writer's folder would be taken too.
    static func removeAbandoned(beside dest: URL) {
        let fm = FileManager.default
        let parent = dest.deletingLastPathComponent()
        let prefix = "\(dest.lastPathComponent).tmp-"
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? []
        where name.hasPrefix(prefix) && name.count == prefix.count + 6 {
            var isDir: ObjCBool = false
            let url = parent.appendingPathComponent(name)
            if fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue { try? fm.removeItem(at: url) }
        }
    }

    /// Throws unless `dest` is absent, an empty folder, or (with `force`) a folder, and its parent folder (or,
    /// when the parent does not exist yet, the nearest folder above it that does) is writable — so that a
    /// read-only location fails here, before any work, rather than when the finished folder is written.
    public static func checkDestination(_ dest: URL, force: Bool) throws(FormatError) {
        try checkWritableLocation(dest)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dest.path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw FormatError.invalid(file: dest.path, field: "destination", reason: "exists and is not a folder")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dest.path)) ?? []
        if !entries.isEmpty && !force {
            throw FormatError.invalid(file: dest.path, field: "destination",
                                      reason: "folder exists and is not empty (`force` replaces it)")
        }
    }

    /// Throws unless the folder `dest` goes into (its parent, or the nearest existing folder above) is a folder
    /// this process may create entries in.
    static func checkWritableLocation(_ dest: URL) throws(FormatError) {
        let fm = FileManager.default
        var folder = dest.deletingLastPathComponent()
        var isDir: ObjCBool = false
        while !fm.fileExists(atPath: folder.path, isDirectory: &isDir) {
            let up = folder.deletingLastPathComponent()
            guard up.path != folder.path else { break }
            folder = up
        }
        guard isDir.boolValue else {
            throw FormatError.invalid(file: dest.path, field: "destination",
                                      reason: "cannot be created: \(folder.path) is not a folder")
        }
        guard access(folder.path, W_OK | X_OK) == 0 else {
            throw FormatError.invalid(file: dest.path, field: "destination",
                                      reason: "cannot be created: its folder \(folder.path) is not writable ("
                                          + String(cString: strerror(errno)) + ")")
        }
    }
}
