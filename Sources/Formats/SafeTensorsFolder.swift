import Foundation
import LinearAlgebraCore

/// A Hugging Face model folder's weights: `model.safetensors`, or shards listed in
/// `model.safetensors.index.json` (`{"metadata": {…}, "weight_map": {"tensor": "model-00001-of-00002.safetensors"}}`).
///
/// Every shard is opened and validated; every tensor of the weight map must be in its shard, and no tensor
/// may appear in two shards.
public final class SafeTensorsFolder: @unchecked Sendable {
    public let directory: URL
    /// The shards, in file-name order.
    public let shards: [SafeTensorsFile]
    private let owner: [String: Int]

    public static let indexFileName = "model.safetensors.index.json"
    public static let singleFileName = "model.safetensors"

    public init(directory: URL) throws(FormatError) {
        self.directory = directory
        let fm = FileManager.default
        let indexURL = directory.appendingPathComponent(Self.indexFileName)
        if fm.fileExists(atPath: indexURL.path) {
            let data: Data
            do { data = try Data(contentsOf: indexURL) } catch {
                throw FormatError.io(file: indexURL.path, reason: "cannot read: \(error.localizedDescription)")
            }
            let parsed: Result<JSONValue, JSONValue.ParseError> = data.withUnsafeBytes { raw in
                Result { () throws(JSONValue.ParseError) in try JSONValue.parse(raw) }
            }
            let json: JSONValue
            switch parsed {
            case let .success(v): json = v
            case let .failure(e):
                throw FormatError.invalid(file: indexURL.path, field: "json", reason: "byte \(e.offset): \(e.message)")
            }
            guard case let .object(top) = json,
                  case let .object(map)? = top.first(where: { $0.0 == "weight_map" })?.1 else {
                throw FormatError.invalid(file: indexURL.path, field: "weight_map", reason: "missing or not an object")
            }
            var wanted = [String: String]()
            for (name, v) in map {
                guard case let .string(shard) = v, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                    throw FormatError.invalid(file: indexURL.path, field: "weight_map.\(name)",
                                              reason: "must be a file name in the same folder")
                }
                wanted[name] = shard
            }
            let shardNames = Set(wanted.values).sorted()
            var shards = [SafeTensorsFile]()
            for s in shardNames { shards.append(try SafeTensorsFile(url: directory.appendingPathComponent(s))) }
            var owner = [String: Int]()
            for (i, shard) in shards.enumerated() {
                for t in shard.tensors {
                    if let j = owner[t.name] {
                        throw FormatError.invalid(file: shard.url.path, field: t.name,
                                                  reason: "also stored in \(shards[j].url.lastPathComponent)")
                    }
                    owner[t.name] = i
                }
            }
            for (name, shard) in wanted where owner[name].map({ shards[$0].url.lastPathComponent }) != shard {
                throw FormatError.invalid(file: indexURL.path, field: "weight_map.\(name)",
                                          reason: "tensor is not in \(shard)")
            }
            self.shards = shards
            self.owner = owner
        } else {
            let single = directory.appendingPathComponent(Self.singleFileName)
            guard fm.fileExists(atPath: single.path) else {
                throw FormatError.io(file: directory.path, reason: "no \(Self.indexFileName) or \(Self.singleFileName)")
            }
            let file = try SafeTensorsFile(url: single)
            shards = [file]
            owner = Dictionary(uniqueKeysWithValues: file.names.map { ($0, 0) })
        }
    }

    /// Every tensor name, sorted.
    public var names: [String] { owner.keys.sorted() }

    /// The shard holding tensor `name`.
    public func shard(of name: String) -> SafeTensorsFile? { owner[name].map { shards[$0] } }

    public func info(_ name: String) -> SafeTensorsTensorInfo? { owner[name].flatMap { shards[$0].info(name) } }

    public func shape(_ name: String) -> [Int]? { info(name)?.shape }

    /// Drops the resident pages of tensor `name`'s data once it has been read (``SafeTensorsFile/releaseTensorPages(_:)``).
    public func releaseTensorPages(_ name: String) { owner[name].map { shards[$0].releaseTensorPages(name) } }

    /// The raw little-endian bytes of tensor `name` (see ``SafeTensorsFile/tensorData(_:)``).
    public func tensorData(_ name: String) throws(FormatError) -> UnsafeRawBufferPointer {
        guard let i = owner[name] else {
            throw FormatError.invalid(file: directory.path, field: name, reason: "no such tensor")
        }
        return try shards[i].tensorData(name)
    }

    /// Tensor `name` as Float (see ``SafeTensorsFile/tensor(_:)``).
    public func tensor(_ name: String) throws(FormatError) -> Matrix<Float> {
        guard let i = owner[name] else {
            throw FormatError.invalid(file: directory.path, field: name, reason: "no such tensor")
        }
        return try shards[i].tensor(name)
    }
}
