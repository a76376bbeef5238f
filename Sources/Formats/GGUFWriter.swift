import Foundation

/// Writes a GGUF v3 file tensor by tensor, with memory bounded by one chunk of rows, never the whole file.
///
/// The header (metadata and tensor table, see ``GGUFLayout``) is written first: the offsets follow from the shapes
/// and types alone. Then each tensor, in the declared order, is written from a producer that fills its encoded
/// bytes a chunk of rows at a time (`rowsPerChunk · rowBytes` bytes of buffer), followed by zero padding to the
/// alignment. Everything goes to a temporary file in the destination's folder (``AtomicFileWriter``) that
/// ``commit()`` renames into place once every tensor has been written; a writer dropped before that, or any failure,
/// removes the temporary file, so an interrupted run never leaves a partial file under the final name.
///
/// ```swift
/// let writer = try GGUFWriter(url: out, metadata: kv, tensors: tensors)
/// for t in tensors {
///     try writer.write(t.name) { rows, bytes in /* encode rows.count rows into bytes */ }
/// }
/// try writer.commit()
/// ```
public final class GGUFWriter {
    public let layout: GGUFLayout
    /// The destination.
    public let url: URL
    private let out: AtomicFileWriter
    /// The index of the next tensor to write.
    private var next = 0
    /// Bytes of the data section written so far.
    private var written = 0
    /// Set when a write failed or a producer threw: the file is abandoned and further calls are refused.
    private var failed = false

    /// Plans the file, creates the temporary file beside `url` and writes the header.
    public convenience init(url: URL, metadata: [(key: String, value: GGUFValue)],
                            tensors: [GGUFLayout.Tensor]) throws(FormatError) {
        try self.init(url: url, layout: GGUFLayout(metadata: metadata, tensors: tensors, file: url.path))
    }

    /// Creates the temporary file beside `url` and writes `layout`'s header.
    public init(url: URL, layout: GGUFLayout) throws(FormatError) {
        self.url = url
        self.layout = layout
        out = try AtomicFileWriter(url: url)
        try out.write(layout.header)
    }

    /// The tensor that ``write(_:rowsPerChunk:fill:)`` expects next, or nil when all are written.
    public var nextTensor: GGUFTensorInfo? { next < layout.tensors.count ? layout.tensors[next] : nil }

    /// Writes tensor `name`, which must be the next one in the layout, from `fill`.
    ///
    /// `fill(rows, bytes)` is called for consecutive chunks of at most `rowsPerChunk` rows (a row is `dims[0]`
    /// elements; a tensor has dims[1] ⋯ dims[n−1] rows) and must put the encoded rows into `bytes`
    /// (`rows.count · rowBytes` bytes, zeroed beforehand). The buffer is reused from chunk to chunk.
    /// - Throws: ``FormatError`` naming the tensor (out of order, or a failed write), or what `fill` throws; either
    ///   way the file is abandoned.
    public func write(_ name: String, rowsPerChunk: Int = 64,
                      fill: (_ rows: Range<Int>, _ bytes: UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let info = try expect(name)
        let rowBytes = info.rowBytes
        let chunkRows = max(1, min(rowsPerChunk, info.rows))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunkRows * rowBytes), alignment: 64)
        defer { buffer.deallocate() }
        do {
            var row = 0
            while row < info.rows {
                let rows = row..<min(info.rows, row + chunkRows)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(rows.count * rowBytes)])
                chunk.initializeMemory(as: UInt8.self, repeating: 0)
                try fill(rows, chunk)
                try out.write(UnsafeRawBufferPointer(chunk))
                row = rows.upperBound
            }
            try finishTensor(info)
        } catch {
            failed = true
            throw error
        }
    }

    /// Writes tensor `name`, which must be the next one in the layout, from all of its encoded bytes.
    public func write(_ name: String, bytes: UnsafeRawBufferPointer) throws(FormatError) {
        let info = try expect(name)
        guard bytes.count == info.byteCount else {
            failed = true
            throw FormatError.invalid(file: url.path, field: "tensor '\(name)'.data",
                                      reason: "\(bytes.count) bytes given for \(info.byteCount)")
        }
        do throws(FormatError) {
            try out.write(bytes)
            try finishTensor(info)
        } catch {
            failed = true
            throw error
        }
    }

    /// Writes tensor `name` from all of its encoded bytes.
    public func write(_ name: String, bytes: [UInt8]) throws(FormatError) {
        var failure: FormatError?
        bytes.withUnsafeBytes { buf in
            do throws(FormatError) { try write(name, bytes: buf) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes the file and renames it into place; every tensor must have been written.
    public func commit() throws(FormatError) {
        guard !failed else {
            throw FormatError.io(file: url.path, reason: "an earlier write failed; the file was abandoned")
        }
        if let t = nextTensor {
            failed = true
            throw FormatError.invalid(file: url.path, field: "tensor '\(t.name)'", reason: "never written")
        }
        precondition(layout.dataOffset + written == layout.fileSize, "GGUFWriter: layout and data disagree")
        try out.commit()
    }

    /// The info of the next tensor, after checking that it is `name` and that the file is still being written.
    private func expect(_ name: String) throws(FormatError) -> GGUFTensorInfo {
        guard !failed else {
            throw FormatError.io(file: url.path, reason: "an earlier write failed; the file was abandoned")
        }
        guard let info = nextTensor else {
            failed = true
            throw FormatError.invalid(file: url.path, field: "tensor '\(name)'",
                                      reason: "every tensor of the layout is already written")
        }
        guard info.name == name else {
            failed = true
            throw FormatError.invalid(file: url.path, field: "tensor '\(name)'",
                                      reason: "written out of order: the next tensor is '\(info.name)'")
        }
        return info
    }

    /// Pads the tensor just written to the alignment and moves on to the next.
    private func finishTensor(_ info: GGUFTensorInfo) throws(FormatError) {
        let end = GGUFLayout.aligned(info.offset + info.byteCount, layout.alignment)
        let padding = end - (info.offset + info.byteCount)
        if padding > 0 { try out.write([UInt8](repeating: 0, count: padding)) }
        written = end
        next += 1
    }
}
