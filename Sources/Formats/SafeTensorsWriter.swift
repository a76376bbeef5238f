#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LinearAlgebraCore

/// Builds a `.safetensors` file from Float matrices, each stored as F32, F16 or BF16.
///
/// The file is written to a temporary file beside the target and renamed over it, so readers never see a
/// partial file. Tensors are laid out as the Python library lays them out (by its dtype order, larger types
/// first, then by name), so every tensor's data stays aligned to its element size; the header is padded with
/// spaces so the data section starts at a multiple of 8.
public struct SafeTensorsWriter {
    private struct Entry {
        var name: String
        var matrix: Matrix<Float>
        var dtype: SafeTensorsDType
        var shape: [Int]
        /// Little-endian bytes written as they are (integer tensors); nil = `matrix` converted to `dtype`.
        var raw: [UInt8]? = nil
        /// Makes the matrix when the file reaches it (``addDeferred(_:dtype:shape:produce:)``); nil = `matrix`.
        var produce: (() throws -> Matrix<Float>)? = nil
        /// Hands over the stored bytes when the file reaches them (``addDeferredRaw(_:dtype:shape:bytes:)``).
        var rawBytes: RawBytes? = nil
        var byteCount: Int { raw?.count ?? shape.reduce(1, *) * dtype.size }
    }

    /// Calls its argument once with a tensor's little-endian bytes (which need only live for that call).
    public typealias RawBytes = (_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    /// Free-form `__metadata__` strings.
    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var names: Set<String> = []

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds `matrix` as tensor `name`, converted to `dtype` (F32, F16 or BF16; rounding to nearest even).
    /// `shape` defaults to [rows, cols]; any shape with rows·cols elements may be given (e.g. [n] for a vector).
    public mutating func add(_ name: String, _ matrix: Matrix<Float>, dtype: SafeTensorsDType = .f32,
                             shape: [Int]? = nil) throws(FormatError) {
        let shape = shape ?? [matrix.rows, matrix.cols]
        guard dtype.isFloatConvertible else {
            throw FormatError.unsupported(file: "<writer>", field: "\(name).dtype", value: dtype.rawValue)
        }
        try checkNew(name)
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == matrix.elements.count else {
            throw FormatError.invalid(file: "<writer>", field: "\(name).shape",
                                      reason: "\(shape) does not hold \(matrix.rows)×\(matrix.cols) elements")
        }
        names.insert(name)
        entries.append(Entry(name: name, matrix: matrix, dtype: dtype, shape: shape))
    }

    /// Adds tensor `name` whose values `produce` makes only when ``write(to:)`` reaches it, converted to `dtype`:
    /// a writer of deferred tensors holds one of them in memory at a time, so a model larger than memory can be
    /// written tensor by tensor. `produce` must return shape.product elements.
    public mutating func addDeferred(_ name: String, dtype: SafeTensorsDType = .f32, shape: [Int],
                                     produce: @escaping () throws -> Matrix<Float>) throws(FormatError) {
        guard dtype.isFloatConvertible else {
            throw FormatError.unsupported(file: "<writer>", field: "\(name).dtype", value: dtype.rawValue)
        }
        try checkNew(name)
        try checkAxes(name, shape)
        names.insert(name)
        entries.append(Entry(name: name, matrix: Matrix(rows: 0, cols: 0), dtype: dtype, shape: shape, produce: produce))
    }

    /// Adds tensor `name` of any `dtype` from its little-endian bytes (e.g. packed I32 codes, I8 codes): `bytes`
    /// must hold exactly shape.product · dtype.size bytes.
    public mutating func addRaw(_ name: String, bytes: [UInt8], dtype: SafeTensorsDType, shape: [Int]) throws(FormatError) {
        try checkNew(name)
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) * dtype.size == bytes.count else {
            throw FormatError.invalid(file: "<writer>", field: "\(name).shape",
                                      reason: "\(shape) of \(dtype.rawValue) does not hold \(bytes.count) bytes")
        }
        names.insert(name)
        entries.append(Entry(name: name, matrix: Matrix(rows: 0, cols: 0), dtype: dtype, shape: shape, raw: bytes))
    }

    /// Adds tensor `name` of any `dtype` whose little-endian bytes `bytes` hands over only when ``write(to:)``
    /// reaches it (e.g. a mapped source tensor copied as it is stored, without a copy in memory): it must hand
    /// over exactly shape.product · dtype.size bytes.
    public mutating func addDeferredRaw(_ name: String, dtype: SafeTensorsDType, shape: [Int],
                                        bytes: @escaping RawBytes) throws(FormatError) {
        try checkNew(name)
        try checkAxes(name, shape)
        names.insert(name)
        entries.append(Entry(name: name, matrix: Matrix(rows: 0, cols: 0), dtype: dtype, shape: shape, rawBytes: bytes))
    }

    /// Throws unless `name` is a new tensor name (not empty, not `__metadata__`).
    private func checkNew(_ name: String) throws(FormatError) {
        guard !name.isEmpty, name != "__metadata__", !names.contains(name) else {
            throw FormatError.invalid(file: "<writer>", field: name, reason: "empty, reserved or duplicate tensor name")
        }
    }

    /// Throws if an axis of `shape` is negative.
    private func checkAxes(_ name: String, _ shape: [Int]) throws(FormatError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw FormatError.invalid(file: "<writer>", field: "\(name).shape", reason: "\(shape) has a negative axis")
        }
    }

    /// The header JSON (padded) and the entries in file order with their byte offsets.
    private func layout() -> (header: [UInt8], order: [(Entry, Int)]) {
        let order = entries.sorted { ($0.dtype.layoutRank, $1.name) > ($1.dtype.layoutRank, $0.name) }
        var parts = [String]()
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { "\(JSONValue.quote($0)):\(JSONValue.quote(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(kv.joined(separator: ","))}")
        }
        var offset = 0
        var placed = [(Entry, Int)]()
        for e in order {
            let bytes = e.byteCount
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONValue.quote(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],"
                         + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
            placed.append((e, offset))
            offset += bytes
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        return (header, placed)
    }

    /// Writes the file atomically (temporary file in the same folder, then rename).
    public func write(to url: URL) throws(FormatError) {
        let path = url.path
        let (header, order) = layout()
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw FormatError.io(file: path, reason: "cannot create \(tmp): \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        /// Writes all of `p`; false on failure (errno set).
        func put(_ p: UnsafeRawBufferPointer) -> Bool {
            var done = 0
            while done < p.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, p.baseAddress! + done, p.count - done)
                #else
                let n = Darwin.write(fd, p.baseAddress! + done, p.count - done)
                #endif
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        func fail() -> FormatError {
            let reason = "write failed: \(String(cString: strerror(errno)))"
            unlink(tmp)
            return FormatError.io(file: path, reason: reason)
        }
        var length = UInt64(header.count).littleEndian
        guard withUnsafeBytes(of: &length, { put($0) }), header.withUnsafeBytes({ put($0) }) else { throw fail() }
        // Encode in chunks of 64 Ki elements through one buffer.
        let chunk = 65_536
        var buffer = [UInt8](repeating: 0, count: chunk * 4)
        for (e, _) in order {
            if let raw = e.raw {
                guard raw.withUnsafeBytes({ put($0) }) else { throw fail() }
                continue
            }
            if let rawBytes = e.rawBytes {
                var failure: FormatError?
                do {
                    try rawBytes { p in
                        if p.count != e.byteCount {
                            failure = FormatError.invalid(file: path, field: "\(e.name).shape",
                                                          reason: "\(e.shape) of \(e.dtype.rawValue) does not hold the \(p.count) bytes given")
                        } else if !put(p) {
                            failure = fail()
                        }
                    }
                } catch {
                    unlink(tmp)
                    throw FormatError.io(file: path, reason: "cannot read tensor '\(e.name)': \(error)")
                }
                if let failure {
                    unlink(tmp)
                    throw failure
                }
                continue
            }
            let matrix: Matrix<Float>
            if let produce = e.produce {
                do { matrix = try produce() } catch {
                    unlink(tmp)
                    throw FormatError.io(file: path, reason: "cannot make tensor '\(e.name)': \(error)")
                }
                guard matrix.elements.count == e.shape.reduce(1, *) else {
                    unlink(tmp)
                    throw FormatError.invalid(file: path, field: "\(e.name).shape",
                                              reason: "\(e.shape) does not hold the \(matrix.rows)×\(matrix.cols) elements made")
                }
            } else {
                matrix = e.matrix
            }
            let n = matrix.elements.count
            var start = 0
            while start < n {
                let count = Swift.min(chunk, n - start)
                let bytes = count * e.dtype.size
                matrix.elements.withUnsafeBufferPointer { src in
                    buffer.withUnsafeMutableBytes { dst in
                        Self.encode(src.baseAddress! + start, count, e.dtype, into: dst.baseAddress!)
                    }
                }
                guard buffer.withUnsafeBytes({ put(UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }) else { throw fail() }
                start += count
            }
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            closed = true
            unlink(tmp)
            throw FormatError.io(file: path, reason: "cannot flush: \(String(cString: strerror(errno)))")
        }
        closed = true
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FormatError.io(file: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Little-endian encoding of `count` Floats as `dtype`.
    private static func encode(_ src: UnsafePointer<Float>, _ count: Int, _ dtype: SafeTensorsDType,
                               into dst: UnsafeMutableRawPointer) {
        switch dtype {
        case .f32:
            for i in 0..<count { dst.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        case .f16:
            for i in 0..<count {
                dst.storeBytes(of: HalfPrecision.f16Bits(src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bf16:
            for i in 0..<count {
                dst.storeBytes(of: HalfPrecision.bf16Bits(src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        default:
            preconditionFailure("SafeTensorsWriter: dtype \(dtype) was rejected by add")
        }
    }
}
