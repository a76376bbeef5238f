import Foundation
import LinearAlgebraCore

/// The calibration windows' hidden states at one point of the model: window w is a seqlen × hidden matrix.
///
/// Held in memory, or spilled to a file (`compress --activations disk`: one file per stream in the run's staging
/// folder, window w at byte offset w · seqlen · hidden · 4), so that a run with many windows holds only the
/// windows its workers are on. Reading a window back gives exactly the Floats written.
public struct HiddenStates: Sendable {
    /// Where a stream's windows live.
    public enum Location: Sendable, Equatable {
        case memory
        /// Spill files in this folder (created and deleted by the run).
        case disk(URL)
    }

    public let count: Int
    public let rows: Int
    public let cols: Int
    private let storage: Storage

    private enum Storage: Sendable {
        case memory([Matrix<Float>])
        case file(SpillFile)
    }

    /// No windows (a stream the run does not keep).
    public static let empty = HiddenStates(windows: [])

    /// In memory, the given windows (all of one shape).
    public init(windows: [Matrix<Float>]) {
        count = windows.count
        rows = windows.first?.rows ?? 0
        cols = windows.first?.cols ?? 0
        storage = .memory(windows)
    }

    private init(count: Int, rows: Int, cols: Int, file: SpillFile) {
        self.count = count
        self.rows = rows
        self.cols = cols
        storage = .file(file)
    }

    public var isEmpty: Bool { count == 0 }

    public var location: Location {
        switch storage {
        case .memory: return .memory
        case let .file(f): return .disk(f.url.deletingLastPathComponent())
        }
    }

    /// Window `w` (rows × cols).
    public subscript(w: Int) -> Matrix<Float> {
        switch storage {
        case let .memory(windows): return windows[w]
        case let .file(f): return f.read(window: w, rows: rows, cols: cols)
        }
    }

    /// The first `k` windows, in memory.
    public func prefix(_ k: Int) -> [Matrix<Float>] { (0..<Swift.min(k, count)).map { self[$0] } }

    /// `count` windows of rows × cols made by `make(w)`, called from `parallelism`'s workers (one window each at a
    /// time), stored at `location`.
    /// The first error `make` throws is rethrown once every worker has stopped.
    public static func make(count: Int, rows: Int, cols: Int, location: Location, parallelism: Parallelism,
                            _ make: (Int) throws -> Matrix<Float>) throws -> HiddenStates {
        let builder = try Builder(count: count, rows: rows, cols: cols, location: location)
        parallelism.forEachTask(count) { w, _ in
            do { builder.put(w, try make(w)) } catch { builder.fail(error) }
        }
        return try builder.finish()
    }

    /// Collects windows written by several workers (distinct windows at once) into a stream.
    public final class Builder: @unchecked Sendable {
        let count: Int, rows: Int, cols: Int
        /// In memory: one slot per window, written by one worker each.
        private let slots: UnsafeMutableBufferPointer<Matrix<Float>>
        private let file: SpillFile?
        private var failure: (any Error)?
        private let lock = NSLock()

        public init(count: Int, rows: Int, cols: Int, location: Location) throws {
            self.count = count
            self.rows = rows
            self.cols = cols
            switch location {
            case .memory:
                slots = .allocate(capacity: count)
                slots.initialize(repeating: Matrix(rows: 0, cols: 0))
                file = nil
            case let .disk(folder):
                slots = .allocate(capacity: 0)
                file = try SpillFile(folder: folder, bytes: count * rows * cols * 4)
            }
        }

        deinit {
            slots.deinitialize()
            slots.deallocate()
        }

        /// Stores window `w` (rows × cols); safe from several threads for distinct `w`.
        public func put(_ w: Int, _ m: Matrix<Float>) {
            precondition(m.rows == rows && m.cols == cols, "HiddenStates: window \(w) is \(m.rows)×\(m.cols), expected \(rows)×\(cols)")
            guard let file else {
                slots[w] = m
                return
            }
            do { try file.write(m, window: w) } catch { fail(error) }
        }

        /// Records a failure of a window's producer (the first one is thrown by ``finish()``).
        public func fail(_ error: any Error) {
            lock.lock()
            failure = failure ?? error
            lock.unlock()
        }

        /// The stream, or the first write error.
        public func finish() throws -> HiddenStates {
            if let failure { throw failure }
            if let file { return HiddenStates(count: count, rows: rows, cols: cols, file: file) }
            return HiddenStates(windows: Array(slots))
        }
    }
}

/// A temporary file of Floats, deleted when the last stream using it is gone.
final class SpillFile: @unchecked Sendable {
    let url: URL
    private let fd: Int32

    init(folder: URL, bytes: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(".activations-\(UUID().uuidString).f32")
        fd = open(url.path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CompressionError.io(path: url.path, reason: "cannot create the activation spill file: \(String(cString: strerror(errno)))")
        }
        guard ftruncate(fd, off_t(bytes)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(url.path)
            throw CompressionError.io(path: url.path, reason: "cannot size the activation spill file to \(bytes) bytes: \(reason)")
        }
    }

    deinit {
        close(fd)
        unlink(url.path)
    }

    func write(_ m: Matrix<Float>, window w: Int) throws {
        let bytes = m.elements.count * 4
        let done = m.elements.withUnsafeBytes { p -> Int in
            var done = 0
            while done < bytes {
                let n = pwrite(fd, p.baseAddress! + done, bytes - done, off_t(w * bytes + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return done }
                done += n
            }
            return done
        }
        guard done == bytes else {
            throw CompressionError.io(path: url.path, reason: "cannot write window \(w) of the activations: \(String(cString: strerror(errno)))")
        }
    }

    func read(window w: Int, rows: Int, cols: Int) -> Matrix<Float> {
        let bytes = rows * cols * 4
        var m = Matrix<Float>(rows: rows, cols: cols)
        m.elements.withUnsafeMutableBytes { p in
            var done = 0
            while done < bytes {
                let n = pread(fd, p.baseAddress! + done, bytes - done, off_t(w * bytes + done))
                if n < 0 && errno == EINTR { continue }
                precondition(n > 0, "HiddenStates: cannot read window \(w) back from \(url.path): \(String(cString: strerror(errno)))")
                done += n
            }
        }
        return m
    }
}
