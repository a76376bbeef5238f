import Foundation

/// The URL of a file under Tests/FormatsTests/Fixtures (copied into the test bundle).
func fixtureURL(_ relativePath: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
}

/// Little-endian float32 values from a fixture file.
func fixtureFloats(_ relativePath: String) throws -> [Float] {
    let data = try Data(contentsOf: fixtureURL(relativePath))
    return data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
}

/// A JSON fixture as a Foundation object tree.
func fixtureJSON(_ relativePath: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL(relativePath)))
}

/// True when both arrays have the same length and identical bit patterns.
func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
