import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// A small valid GGUF holding every metadata type and a few tensors.
func sampleGGUF(version: UInt32 = 3, alignment: Int = 32) -> TestGGUFWriter {
    var w = TestGGUFWriter()
    w.version = version
    w.alignment = alignment
    w.metadata = [
        ("general.architecture", .string("llama")),
        ("general.name", .string("tiny ✓ модель")),
        ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60_000)), ("i16", .int16(-30_000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(1.5)),
        ("yes", .bool(true)), ("no", .bool(false)),
        ("u64", .uint64(UInt64.max)), ("i64", .int64(Int64.min)), ("f64", .float64(-2.25)),
        ("ints", .array(elementType: .int32, [.int32(1), .int32(-2), .int32(3)])),
        ("words", .array(elementType: .string, [.string("a"), .string(""), .string("ü")])),
        ("nested", .array(elementType: .array, [
            .array(elementType: .uint8, [.uint8(1), .uint8(2)]),
            .array(elementType: .float32, []),
        ])),
        ("empty", .array(elementType: .bool, [])),
    ]
    if alignment != 32 { w.metadata.append(("general.alignment", .uint32(UInt32(alignment)))) }
    w.tensors = [
        .init(name: "norm.weight", dims: [8], type: GGMLType.f32.rawValue,
              data: TestGGUFWriter.randomBlocks(.f32, count: 8, seed: 1)),
        .init(name: "blk.0.q8", dims: [64, 3], type: GGMLType.q8_0.rawValue,
              data: TestGGUFWriter.randomBlocks(.q8_0, count: 6, seed: 2)),
        .init(name: "blk.0.q4k", dims: [256, 2], type: GGMLType.q4_K.rawValue,
              data: TestGGUFWriter.randomBlocks(.q4_K, count: 2, seed: 3)),
        .init(name: "cube", dims: [32, 2, 3], type: GGMLType.q4_0.rawValue,
              data: TestGGUFWriter.randomBlocks(.q4_0, count: 6, seed: 4)),
    ]
    return w
}

@Test(arguments: [(UInt32(3), 32), (2, 32), (3, 64), (3, 8)])
func ggufRoundTripsEveryMetadataTypeAndTensor(version: UInt32, alignment: Int) throws {
    let w = sampleGGUF(version: version, alignment: alignment)
    let (bytes, layout) = w.build()
    let file = try GGUFFile(url: TestGGUFWriter.temporaryFile(bytes))
    #expect(file.version == Int(version))
    #expect(file.alignment == alignment)
    #expect(file.dataOffset == layout.dataStart)
    #expect(file.metadataKeys == w.metadata.map(\.0))
    for (key, value) in w.metadata { #expect(file.metadata[key] == value, "\(key)") }
    #expect(file.architecture == "llama")
    #expect(file.string("general.name") == "tiny ✓ модель")
    #expect(file.int("u32") == 4_000_000_000 && file.int("i8") == -100 && file.int("u64") == nil)
    #expect(file.int("i64") == Int(Int64.min))
    #expect(file.double("f32") == 1.5 && file.double("u16") == 60_000)
    #expect(file.bool("yes") == true && file.bool("no") == false && file.bool("u8") == nil)
    #expect(file.strings("words") == ["a", "", "ü"])
    #expect(file.metadata["ints"]?.ints == [1, -2, 3])
    #expect(file.metadata["nested"]?.array?.first?.ints == [1, 2])
    #expect(file.arrayCount("empty") == 0)
    #expect(try file.requireInt("u16") == 60_000)
    #expect(throws: FormatError.self) { try file.requireInt("general.name") }
    #expect(throws: FormatError.self) { try file.requireInt("missing") }

    #expect(file.tensors.map(\.name) == w.tensors.map(\.name))
    for t in w.tensors {
        let info = try #require(file.tensorInfo(t.name))
        #expect(info.dims == t.dims.map { Int($0) })
        #expect(info.type.rawValue == t.type)
        #expect(info.byteCount == t.data.count)
        #expect(info.offset % alignment == 0)
        #expect(Array(file.tensorData(t.name)) == t.data)
    }
    #expect(file.tensorData("nope").isEmpty)
    let cube = try #require(file.tensorInfo("cube"))
    #expect(cube.rows == 6 && cube.cols == 32 && cube.shape == [3, 2, 32])
}

@Test func ggufDequantizeShapesAndRows() throws {
    let w = sampleGGUF()
    let file = try GGUFFile(url: TestGGUFWriter.temporaryFile(w.build().bytes))
    let norm = try file.dequantize("norm.weight")
    #expect(norm.rows == 1 && norm.cols == 8)
    let q8 = try file.dequantize("blk.0.q8")
    #expect(q8.rows == 3 && q8.cols == 64)
    // Rows decode independently: a row range equals the matching rows of the whole.
    let tail = try file.dequantizeRows("blk.0.q8", rows: 1..<3)
    #expect(tail.elements == Array(q8.elements[64...]))
    #expect(throws: FormatError.self) { try file.dequantizeRows("blk.0.q8", rows: 2..<4) }
    #expect(throws: FormatError.self) { try file.dequantize("missing") }
    // Every variant and thread count agrees bit for bit.
    for t in file.tensors {
        let base = try file.dequantize(t.name, variant: .reference)
        for v in DequantizeVariant.allCases {
            for p in [Parallelism.serial, .threads(3)] {
                #expect(bitIdentical(try file.dequantize(t.name, variant: v, parallelism: p).elements, base.elements))
            }
        }
    }
}

@Test func ggufRejectsTypesWithoutKernelOnlyWhenDecoding() throws {
    var w = TestGGUFWriter()
    w.tensors = [.init(name: "q3", dims: [256], type: GGMLType.q3_K.rawValue,
                       data: [UInt8](repeating: 0, count: GGMLType.q3_K.typeSize))]
    let file = try GGUFFile(url: TestGGUFWriter.temporaryFile(w.build().bytes))
    #expect(file.tensors.first?.type == .q3_K)
    #expect(throws: FormatError.unsupported(file: file.url.path, field: "tensor 'q3'.type",
                                            value: "Q3_K (no dequantization kernel)")) {
        try file.dequantize("q3")
    }
}

@Test func ggmlTypeNamesRoundTrip() {
    for t in GGMLType.allCases {
        #expect(GGMLType(name: t.description) == t)
        #expect(t.typeSize > 0 && t.blockSize > 0)
    }
    #expect(GGMLType.q6_K.typeSize == 210 && GGMLType.q4_K.typeSize == 144 && GGMLType.q5_K.typeSize == 176)
}
