import Foundation

/// One peer measurement (numpy → OpenBLAS/LAPACK) to draw beside ours.
struct PeerFigure: Equatable {
    /// `gemm`, `cholesky`, `qr`, `svd` (blas.py's `svd_thin` is read as `svd`).
    var kernel: String
    /// `f32` or `f64` (numpy's `float32` / `float64` are read as such).
    var dtype: String
    var shape: [Int]
    var threads: Int
    var ms: Double
    var gflops: Double?
}

/// Peer figures read from a JSON file, in any of the forms the project's peer scripts write:
/// - `Scripts/compare-kernels --json OUT`: an array of `{"kernel","dtype","shape","threads","peer_ms",
///   "peer_gflops","peer_backend",…}` (the side-by-side rows; only the peer side is read);
/// - a peer benchmark's `{"backend": …, "rows": [{"kernel","shape","dtype","threads","ms","gflops"}]}`;
/// - JSON lines as printed by `Scripts/peer_timings.py` (lines not starting with `{` are skipped).
struct PeerFigures {
    var figures: [PeerFigure]
    /// Which of the forms above the file was in.
    var format: String
    /// The BLAS backend the peer reported (`openblas SkylakeX 0.3.31`), if it did.
    var backend: String?

    init(figures: [PeerFigure], format: String, backend: String?) {
        self.figures = figures
        self.format = format
        self.backend = backend
    }

    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("--peer: cannot read '\(path)'")
        }
        let rows: [[String: Any]]
        var backend: Any?
        if let whole = try? JSONSerialization.jsonObject(with: data) {
            if let array = whole as? [Any] {
                rows = try array.enumerated().map { i, r in
                    guard let o = r as? [String: Any] else { throw CLIError("--peer: \(path): item \(i) is not an object") }
                    return o
                }
                format = "Scripts/compare-kernels --json"
            } else if let object = whole as? [String: Any], let list = object["rows"] as? [[String: Any]] {
                rows = list
                backend = object["backend"]
                format = "shared/peer/blas.py --json"
            } else if let object = whole as? [String: Any] {
                rows = [object]
                format = "JSON lines"
            } else {
                throw CLIError("--peer: \(path): expected an array of rows, an object with \"rows\", or JSON lines")
            }
        } else {
            var list: [[String: Any]] = []
            for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
            where line.hasPrefix("{") {
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw CLIError("--peer: \(path): line \(i + 1) is not a JSON object")
                }
                list.append(o)
            }
            rows = list
            format = "JSON lines"
        }
        figures = try rows.enumerated().map { i, r in try Self.figure(r, at: i, in: path) }
        backend = backend ?? rows.lazy.compactMap { $0["peer_backend"] ?? $0["backend"] }.first
        self.backend = backend.flatMap(Self.backendText)
    }

    static func figure(_ r: [String: Any], at i: Int, in path: String) throws -> PeerFigure {
        func field<V>(_ names: String..., as: V.Type) throws -> V {
            for n in names { if let v = r[n] as? V { return v } }
            throw CLIError("--peer: \(path): row \(i + 1) has no \(names.joined(separator: " or "))")
        }
        var kernel: String = try field("kernel", as: String.self)
        if kernel == "svd_thin" { kernel = "svd" }
        var dtype: String = try field("dtype", as: String.self)
        dtype = ["float32": "f32", "float64": "f64"][dtype] ?? dtype
        let shape = try field("shape", as: [Any].self).compactMap { ($0 as? NSNumber)?.intValue }
        let threads = (try field("threads", as: NSNumber.self)).intValue
        let ms = (try field("peer_ms", "ms", as: NSNumber.self)).doubleValue
        let gflops = ((r["peer_gflops"] ?? r["gflops"]) as? NSNumber)?.doubleValue
        return PeerFigure(kernel: kernel, dtype: dtype, shape: shape, threads: threads, ms: ms, gflops: gflops)
    }

    /// threadpoolctl's `[[internal_api, architecture, version], …]` as text.
    static func backendText(_ v: Any) -> String? {
        guard let list = v as? [Any] else { return v as? String }
        let parts = list.compactMap { item -> String? in
            guard let fields = item as? [Any] else { return nil }
            return fields.compactMap { $0 as? String }.joined(separator: " ")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The figures of one kernel, element type and thread count.
    func matching(kernel: String, dtype: String, threads: Int) -> [PeerFigure] {
        figures.filter { $0.kernel == kernel && $0.dtype == dtype && $0.threads == threads }
    }
}
