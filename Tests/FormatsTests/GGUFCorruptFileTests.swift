import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// Opens `bytes` as a GGUF and returns the error it must raise.
private func openError(_ bytes: [UInt8]) -> FormatError? {
    let url = TestGGUFWriter.temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    do {
        _ = try GGUFFile(url: url)
        return nil
    } catch {
        #expect(error.description.contains(url.path), "error names the file")
        return error
    }
}

/// The field an error names ("" for io errors).
private func field(_ e: FormatError?) -> String {
    switch e {
    case let .invalid(_, field, _)?, let .unsupported(_, field, _)?: return field
    default: return ""
    }
}

private func isUnsupported(_ e: FormatError?) -> Bool {
    if case .unsupported? = e { return true }
    return false
}

@Test func ggufBadMagicAndVersion() {
    let (good, _) = sampleGGUF().build()
    var bytes = good
    bytes[0] = UInt8(ascii: "X")
    #expect(field(openError(bytes)) == "magic")
    bytes = good
    bytes.patch(UInt32(1), at: 4)
    #expect(isUnsupported(openError(bytes)) && field(openError(bytes)) == "version")
    bytes.patch(UInt32(3).byteSwapped, at: 4)
    let e = openError(bytes)
    #expect(e?.description.contains("big-endian") == true)
    #expect(field(openError([])) == "magic")
}

/// Every proper prefix of the header fails cleanly, naming the field being read.
@Test func ggufTruncatedHeaderAtEveryLength() {
    let (bytes, layout) = sampleGGUF().build()
    for n in 0..<layout.dataStart {
        let e = openError(Array(bytes.prefix(n)))
        #expect(e != nil, "prefix \(n)")
        if n >= 8 && n < layout.data.values.min()! - 32 { #expect(field(e) != "", "prefix \(n): \(String(describing: e))") }
    }
}

@Test func ggufTruncatedDataAndOffsetPastEnd() throws {
    let (good, layout) = sampleGGUF().build()
    // Cut inside the last tensor's data.
    let last = sampleGGUF().tensors.last!
    let cut = Array(good.prefix(layout.data[last.name]! + last.data.count - 1))
    #expect(field(openError(cut)) == "tensor '\(last.name)'.offset")
    // An offset far past the end, and one that overflows when the size is added.
    var bytes = good
    bytes.patch(UInt64(1 << 40), at: layout.offset["blk.0.q8"]!)
    #expect(field(openError(bytes)) == "tensor 'blk.0.q8'.offset")
    bytes.patch(UInt64(Int.max) / 32 * 32, at: layout.offset["blk.0.q8"]!)
    #expect(field(openError(bytes)) == "tensor 'blk.0.q8'.offset")
    bytes.patch(UInt64.max - 31, at: layout.offset["blk.0.q8"]!)
    #expect(field(openError(bytes)) == "tensor 'blk.0.q8'.offset")
}

@Test func ggufMisalignedAndOverlappingOffsets() {
    let (good, layout) = sampleGGUF().build()
    var bytes = good
    bytes.patch(UInt64(33), at: layout.offset["blk.0.q8"]!)
    #expect(field(openError(bytes)) == "tensor 'blk.0.q8'.offset")
    bytes = good
    // Second tensor starts inside the first... first is 32 bytes at 0, so put the q4k tensor on top of q8.
    bytes.patch(UInt64(layout.data["blk.0.q8"]! - layout.dataStart), at: layout.offset["blk.0.q4k"]!)
    #expect(field(openError(bytes)).hasSuffix(".offset"))
    #expect(openError(bytes)?.description.contains("overlaps") == true)
}

@Test func ggufHugeCounts() {
    let (good, layout) = sampleGGUF().build()
    for value in [UInt64.max, UInt64(Int.max), 1 << 40, 10_000] {
        var bytes = good
        bytes.patch(value, at: layout.tensorCount)
        #expect(field(openError(bytes)) == "tensor_count")
        bytes = good
        bytes.patch(value, at: layout.kvCount)
        #expect(field(openError(bytes)) == "metadata_kv_count")
        // Array count (after the element type tag) and string length.
        bytes = good
        bytes.patch(value, at: layout.value["ints"]! + 4)
        #expect(field(openError(bytes)) == "ints.count")
        bytes = good
        bytes.patch(value, at: layout.value["general.name"]!)
        #expect(field(openError(bytes)) == "general.name")
        bytes = good
        bytes.patch(value, at: layout.nameLength["cube"]!)
        #expect(field(openError(bytes)).hasPrefix("tensor[3].name"))
    }
}

@Test func ggufUnknownTypes() {
    let (good, layout) = sampleGGUF().build()
    var bytes = good
    bytes.patch(UInt32(99), at: layout.type["blk.0.q8"]!)
    var e = openError(bytes)
    #expect(isUnsupported(e) && field(e) == "tensor 'blk.0.q8'.type")
    bytes = good
    bytes.patch(UInt32(13), at: layout.valueType["u8"]!)
    e = openError(bytes)
    #expect(isUnsupported(e) && field(e) == "u8.type")
    bytes = good
    bytes.patch(UInt32(77), at: layout.value["ints"]!)
    e = openError(bytes)
    #expect(isUnsupported(e) && field(e) == "ints.element_type")
}

@Test func ggufBadUTF8() {
    let (good, layout) = sampleGGUF().build()
    // In a string value, in a key, in a tensor name.
    var bytes = good
    bytes[layout.value["general.name"]! + 8] = 0xFF
    #expect(field(openError(bytes)) == "general.name")
    bytes = good
    bytes[layout.valueType["u8"]! - 1] = 0xC0   // last byte of the key "u8"
    #expect(field(openError(bytes)) == "metadata[2].key")
    bytes = good
    bytes[layout.nameLength["cube"]! + 8] = 0x80
    #expect(field(openError(bytes)) == "tensor[3].name")
}

@Test func ggufBadDims() {
    let (good, layout) = sampleGGUF().build()
    // Not a multiple of the block size.
    var bytes = good
    bytes.patch(UInt64(48), at: layout.dims["blk.0.q8"]!)
    #expect(field(openError(bytes)) == "tensor 'blk.0.q8'.dims[0]")
    // Element count overflow.
    bytes = good
    bytes.patch(UInt64(1) << 40, at: layout.dims["cube"]! + 8)
    bytes.patch(UInt64(1) << 40, at: layout.dims["cube"]! + 16)
    #expect(field(openError(bytes)) == "tensor 'cube'.dims")
    bytes = good
    bytes.patch(UInt64.max, at: layout.dims["cube"]!)
    #expect(field(openError(bytes)) == "tensor 'cube'.dims[0]")
    // n_dims 0 and 5.
    for n in [UInt32(0), 5] {
        bytes = good
        bytes.patch(n, at: layout.nDims["norm.weight"]!)
        #expect(field(openError(bytes)) == "tensor 'norm.weight'.n_dims")
    }
    // A data size larger than the file (huge but non-overflowing dims).
    bytes = good
    bytes.patch(UInt64(1) << 30, at: layout.dims["cube"]! + 16)
    #expect(field(openError(bytes)) == "tensor 'cube'.offset")
}

@Test func ggufDuplicatesAndBadValues() {
    var w = sampleGGUF()
    w.tensors.append(w.tensors[0])
    #expect(field(openError(w.build().bytes)) == "tensor 'norm.weight'.name")
    w = sampleGGUF()
    w.metadata.append(("u8", .uint8(1)))
    #expect(field(openError(w.build().bytes)) == "u8")
    // A bool byte other than 0 or 1.
    let (good, layout) = sampleGGUF().build()
    var bytes = good
    bytes[layout.value["yes"]!] = 2
    #expect(field(openError(bytes)) == "yes")
    // general.alignment of the wrong type or not a power of two.
    w = sampleGGUF()
    w.metadata.append(("general.alignment", .uint64(32)))
    #expect(field(openError(w.build().bytes)) == "general.alignment")
    for a in [UInt32(0), 24] {
        w = sampleGGUF()
        w.metadata.append(("general.alignment", .uint32(a)))
        #expect(field(openError(w.build().bytes)) == "general.alignment")
    }
}

@Test func ggufRejectsDeepNesting() {
    var value = GGUFValue.array(elementType: .uint8, [])
    for _ in 0..<20 { value = .array(elementType: .array, [value]) }
    var w = TestGGUFWriter()
    w.metadata = [("deep", value)]
    #expect(isUnsupported(openError(w.build().bytes)))
}

/// Random byte corruption anywhere in a valid file: opening either fails with a FormatError or succeeds, and
/// then decoding every tensor stays inside the file (no crash).
@Test func ggufRandomCorruptionNeverCrashes() throws {
    let (good, _) = sampleGGUF().build()
    var g = SeededGenerator(seed: 42)
    for _ in 0..<300 {
        var bytes = good
        for _ in 0..<(1 + Int(g.next() % 4)) {
            bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next())
        }
        let url = TestGGUFWriter.temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        guard let file = try? GGUFFile(url: url) else { continue }
        for t in file.tensors where t.type.canDequantize {
            let m = try file.dequantize(t.name)
            #expect(m.elements.count == t.elementCount)
        }
    }
}
