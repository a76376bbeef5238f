import Foundation

/// Access to Tests/FormatsTests/Fixtures (copied into the test bundle) for the GGUF, safetensors and config tests.
enum FixtureFiles {
    /// The URL of a file under Fixtures/.
    static func url(_ relativePath: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
    }

    /// Little-endian float32 values from a fixture file.
    static func floats(_ relativePath: String) throws -> [Float] {
        let data = try Data(contentsOf: url(relativePath))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// A JSON fixture as a Foundation object tree.
    static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relativePath)))
    }

    /// True when both arrays have the same length and identical bit patterns.
    static func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
