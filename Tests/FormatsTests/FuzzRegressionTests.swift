import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats

/// Inputs the fuzz targets (Tests/Fuzz, `Scripts/fuzz`) found to crash a reader, each kept as a fixture under
/// Fixtures/fuzz/ or rebuilt here, and the typed error each must give now.
@Suite struct FuzzRegressionTests {
    /// Opens a fuzz fixture in memory, as the fuzz target does.
    private func open(_ name: String) throws -> GGUFFile {
        let url = FixtureFiles.url("fuzz/\(name)")
        let bytes = [UInt8](try Data(contentsOf: url))
        return try GGUFFile(file: MappedFile(copying: bytes, path: url.path), url: url)
    }

    /// A tensor of 0 rows whose rows are 2³⁹ Floats wide: asking for a row past the end allocated the 2 TB result
    /// before checking the row range.
    @Test func ggufRowsPastTheEndAreRefusedBeforeAllocating() throws {
        let gguf = try open("gguf-rows-past-end-huge-row.gguf")
        let t = try #require(gguf.tensors.first)
        #expect(t.elementCount == 0 && t.cols > 1 << 32)
        #expect(throws: FormatError.self) { try gguf.dequantizeRows(t.name, rows: 0..<t.rows + 1) }
        #expect(throws: FormatError.self) { try gguf.dequantizeRows(t.name, rows: -1..<0) }
        #expect(try gguf.dequantize(t.name).elements.isEmpty)
    }

    /// dims [0, 2³², 2³²]: 0 elements, but `rows` (2⁶⁴) overflowed when read.
    @Test func ggufZeroDimensionDoesNotHideAnOverflowingShape() {
        var w = TestGGUFWriter()
        w.tensors = [.init(name: "w", dims: [0, 1 << 32, 1 << 32], type: GGMLType.f32.rawValue, data: [])]
        let url = URL(fileURLWithPath: "/fuzz/zero-dim.gguf")
        #expect(throws: FormatError.invalid(file: url.path, field: "tensor 'w'.dims", reason: "element count overflows")) {
            try GGUFFile(file: MappedFile(copying: w.build().bytes, path: url.path), url: url)
        }
        // A zero dimension beside ones whose bytes fit is still a valid (empty) tensor.
        w.tensors = [.init(name: "w", dims: [0, 1 << 30, 1 << 30], type: GGMLType.f32.rawValue, data: [])]
        #expect((try? GGUFFile(file: MappedFile(copying: w.build().bytes, path: url.path), url: url))?
            .tensors.first?.rows == 1 << 60)
    }

    /// dims [2⁶², 0] of F32: 0 elements, but `rowBytes` (2⁶² × 4) overflowed when read.
    @Test func ggufRowBytesOfAnEmptyTensorFit() {
        let url = FixtureFiles.url("fuzz/gguf-row-bytes-overflow.gguf")
        #expect(throws: FormatError.self) { try open("gguf-row-bytes-overflow.gguf") }
        var w = TestGGUFWriter()
        w.tensors = [.init(name: "w", dims: [1 << 62, 0], type: GGMLType.f32.rawValue, data: [])]
        #expect(throws: FormatError.invalid(file: url.path, field: "tensor 'w'.dims", reason: "byte size overflows")) {
            try GGUFFile(file: MappedFile(copying: w.build().bytes, path: url.path), url: url)
        }
    }

    /// Sizes whose products overflow Int passed validation (the HFConfig target asks every weight shape's element
    /// count, and the layers' sum, to be computable): context × hidden, and 2³¹ layers of a 2³²-element layer.
    @Test func configWhoseWeightsOverflowIsRefused() throws {
        for extra in [#""max_position_embeddings": 4611686018427387904"#,
                      #""num_hidden_layers": 2147483648, "intermediate_size": 1048576"#] {
            let json = #"{"model_type": "llama", "hidden_size": 4096, "# + extra + "}"
            #expect {
                try ModelConfig(huggingFace: HFConfig.decode(Data(json.utf8), file: "config.json"), file: "config.json")
            } throws: { error in
                guard case let .invalid(file, field, reason)? = error as? FormatError else { return false }
                return file == "config.json" && field == "hidden_size" && reason.contains("64 bits")
            }
        }
    }
}
