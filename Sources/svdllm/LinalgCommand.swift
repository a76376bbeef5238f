import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm linalg OP`: runs one of our kernels on NumPy .npy matrices and writes the results as .npy.
struct LinalgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linalg",
        abstract: "Run a kernel on .npy matrices: gemm, cholesky, qr, svd, rsvd.",
        discussion: """
            gemm:     C = A·B            (--input A.npy --input2 B.npy)    → C.npy
            cholesky: A = L·Lᵀ           (--input A.npy, symmetric)        → L.npy
            qr:       A = Q·R (thin)     (--input A.npy)                   → Q.npy, R.npy
            svd:      A = U·diag(S)·Vt   (--input A.npy)                   → U.npy, S.npy, Vt.npy
            rsvd:     top --rank triplets, randomized                      → U.npy, S.npy, Vt.npy
            float32 inputs are computed in float32, float64 in float64.
            """)

    enum Operation: String, ExpressibleByArgument, CaseIterable { case gemm, cholesky, qr, svd, rsvd }

    @Argument(help: "The operation: \(Operation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var operation: Operation

    @Option(help: "The input matrix A (.npy, float32 or float64, C order).")
    var input: String

    @Option(help: "The second input B for gemm (.npy).")
    var input2: String?

    @Option(help: "The folder to write results into (created if missing).")
    var output: String

    @Option(help: "A kernel variant name (default: the fastest).")
    var variant: String?

    @Option(help: "rsvd (and svd, optionally): the number of singular triplets to keep.")
    var rank: Int?

    @OptionGroup var workers: WorkerThreads

    func validate() throws {
        if operation == .gemm && input2 == nil { throw ValidationError("gemm needs --input2 B.npy") }
        if operation == .rsvd && rank == nil { throw ValidationError("rsvd needs --rank K") }
        if let r = rank, r < 1 { throw ValidationError("--rank must be at least 1 (got \(r))") }
    }

    func run() throws {
        let inputURL = URL(fileURLWithPath: input)
        switch try NPY.readAny(inputURL) {
        case .float32(let a): try LinalgRunner<Float>(command: self).run(a)
        case .float64(let a): try LinalgRunner<Double>(command: self).run(a)
        }
    }
}

struct LinalgRunner<T: GEMMScalar> {
    let command: LinalgCommand
    var parallelism: Parallelism { .threads(command.workers.threads) }

    func variant<V: RawRepresentable & CaseIterable>(_: V.Type, default d: V) throws -> V where V.RawValue == String {
        guard let name = command.variant else { return d }
        guard let v = V(rawValue: name) else {
            throw CLIError("--variant: unknown '\(name)'; choose from \(V.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    func write(_ outputs: [(String, Matrix<T>)]) throws {
        let dir = URL(fileURLWithPath: command.output)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw CLIError("--output: cannot create '\(dir.path)': \(error.localizedDescription)")
        }
        for (name, m) in outputs {
            let url = dir.appendingPathComponent(name)
            try NPY.write(m, to: url)
            print("wrote \(url.path) (\(m.rows)×\(m.cols))")
        }
    }

    func writeVector(_ name: String, _ v: [T]) throws {
        let url = URL(fileURLWithPath: command.output).appendingPathComponent(name)
        try NPY.write(vector: v, to: url)
        print("wrote \(url.path) (\(v.count))")
    }

    func run(_ a: Matrix<T>) throws {
        switch command.operation {
        case .gemm:
            let b = try NPY.read(URL(fileURLWithPath: command.input2!), as: T.self)
            guard a.cols == b.rows else {
                throw CLIError("--input2: B is \(b.rows)×\(b.cols) but A is \(a.rows)×\(a.cols); A.cols must equal B.rows")
            }
            let v = try variant(GEMMVariant.self, default: .parallel)
            try write([("C.npy", matmul(a, b, variant: v, parallelism: parallelism))])
        case .cholesky:
            guard a.rows == a.cols else { throw CLIError("--input: cholesky needs a square matrix, got \(a.rows)×\(a.cols)") }
            let v = try variant(CholeskyVariant.self, default: .blocked)
            do {
                let c = try Cholesky(a, variant: v, parallelism: parallelism)
                try write([("L.npy", c.l)])
            } catch let e as FactorizationError {
                throw CLIError("--input: \(e.description)")
            }
        case .qr:
            let qr = HouseholderQR(a, variant: try variant(QRVariant.self, default: .blocked), parallelism: parallelism)
            try write([("Q.npy", qr.thinQ()), ("R.npy", qr.r)])
        case .svd, .rsvd:
            let defaultVariant: SVDVariant = command.operation == .svd ? .jacobi : .rsvdGaussian
            let v = try variant(SVDVariant.self, default: defaultVariant)
            let k = min(command.rank ?? min(a.rows, a.cols), min(a.rows, a.cols))
            do {
                let svd = try SVD(a, options: SVDOptions(algorithm: v.algorithm(rank: k), parallelism: parallelism))
                let (u, s, vt) = svd.truncated(rank: min(k, svd.singularValues.count))
                try write([("U.npy", u), ("Vt.npy", vt)])
                try writeVector("S.npy", s)
            } catch let e as SVDError {
                throw CLIError("--input: \(e.description)")
            }
        }
    }
}
