import Foundation
import Testing
@testable import Formats

/// ``StagingFolder``: a finished folder appears whole, a failed one leaves nothing, and an existing folder is
/// replaced only with `force` and never lost.
@Suite struct StagingFolderTests {
    struct Boom: Error {}

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func siblings(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test func finishedFolderIsRenamedIntoPlace() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dest = root.appendingPathComponent("out")
        let staged = try StagingFolder.assemble(at: dest, force: false) { tmp -> String in
            #expect(tmp.lastPathComponent.hasPrefix("out.tmp-"))
            #expect(!FileManager.default.fileExists(atPath: dest.path))  // nothing at DEST while assembling
            try Data("a".utf8).write(to: tmp.appendingPathComponent("a.txt"))
            return tmp.lastPathComponent
        }
        #expect(staged.hasPrefix("out.tmp-"))
        #expect(try Self.siblings(root) == ["out"])
        #expect(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8) == "a")
        let mode = try FileManager.default.attributesOfItem(atPath: dest.path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
    }

    /// A writer killed before its rename leaves `DEST.tmp-XXXXXX` behind; the next writer (which holds DEST's lock)
    /// removes it. Other names beside DEST are left alone.
    @Test func abandonedTemporaryFoldersAreRemoved() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dest = root.appendingPathComponent("out")
        for name in ["out.tmp-a1B2c3", "out.tmp-keep-me", "other.tmp-a1B2c3"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data("half".utf8).write(to: root.appendingPathComponent(name).appendingPathComponent("model.safetensors"))
        }
        try StagingFolder.assemble(at: dest, force: false) { tmp in
            try Data("a".utf8).write(to: tmp.appendingPathComponent("a.txt"))
        }
        #expect(try Self.siblings(root) == ["other.tmp-a1B2c3", "out", "out.tmp-keep-me"])
    }

    @Test func failureLeavesNothingAndKeepsTheOldFolder() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dest = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: dest.appendingPathComponent("old.txt"))
        #expect(throws: Boom.self) {
            try StagingFolder.assemble(at: dest, force: true) { tmp in
                try Data("half".utf8).write(to: tmp.appendingPathComponent("new.txt"))
                throw Boom()
            }
        }
        #expect(try Self.siblings(root) == ["out"])
        #expect(try Self.siblings(dest) == ["old.txt"])
    }

    @Test func nonEmptyFolderNeedsForce() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dest = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: dest.appendingPathComponent("old.txt"))
        var ran = false
        #expect(throws: FormatError.self) {
            try StagingFolder.assemble(at: dest, force: false) { _ in ran = true }
        }
        #expect(!ran)  // checked before any work
        try StagingFolder.assemble(at: dest, force: true) { tmp in
            try Data("new".utf8).write(to: tmp.appendingPathComponent("new.txt"))
        }
        #expect(try Self.siblings(root) == ["out"])  // the old folder, moved aside, is gone
        #expect(try Self.siblings(dest) == ["new.txt"])
        // An empty folder is replaced without force; a file is refused.
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try StagingFolder.assemble(at: empty, force: false) { tmp in
            try Data("x".utf8).write(to: tmp.appendingPathComponent("x.txt"))
        }
        #expect(try Self.siblings(empty) == ["x.txt"])
        let file = root.appendingPathComponent("file")
        try Data().write(to: file)
        #expect(throws: FormatError.self) { try StagingFolder.assemble(at: file, force: true) { _ in } }
    }

    @Test func unwritableParentIsAnIOError() {
        let dest = URL(fileURLWithPath: "/proc/svdllm-cannot-write-here/out")
        #expect(throws: FormatError.self) { try StagingFolder.assemble(at: dest, force: false) { _ in } }
    }

    /// A destination whose location cannot hold a folder is refused by `checkDestination`, before any work; a
    /// missing parent below a writable folder is fine (it is created).
    @Test func locationThatCannotHoldTheFolderFailsBeforeAnyWork() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        let dest = file.appendingPathComponent("sub/out")
        do {
            try StagingFolder.checkDestination(dest, force: true)
            Issue.record("a destination below a file was accepted")
        } catch {
            guard case let .invalid(path, field, reason) = error else { Issue.record("\(error)"); return }
            #expect(path == dest.path && field == "destination" && reason.contains(file.path), "\(error)")
        }
        var ran = false
        #expect(throws: FormatError.self) { try StagingFolder.assemble(at: dest, force: true) { _ in ran = true } }
        #expect(!ran)

        let deep = root.appendingPathComponent("a/b/out")
        try StagingFolder.assemble(at: deep, force: false) { tmp in
            try Data("x".utf8).write(to: tmp.appendingPathComponent("x.txt"))
        }
        #expect(try Self.siblings(deep) == ["x.txt"])
    }

    /// A read-only parent folder is named by `checkDestination`. (Root may write into any folder, so this runs only
    /// for other users.)
    @Test(.enabled(if: getuid() != 0)) func readOnlyParentFailsBeforeAnyWork() throws {
        let root = try Self.scratch()
        defer {
            _ = chmod(root.path, 0o755)
            try? FileManager.default.removeItem(at: root)
        }
        #expect(chmod(root.path, 0o555) == 0)
        let dest = root.appendingPathComponent("out")
        do {
            try StagingFolder.checkDestination(dest, force: false)
            Issue.record("a read-only parent was accepted")
        } catch {
            guard case let .invalid(path, _, reason) = error else { Issue.record("\(error)"); return }
            #expect(path == dest.path && reason.contains("\(root.path) is not writable"), "\(error)")
        }
    }
}
