import ArgumentParser
import Foundation
import SVDLLMKit

/// `svdllm bench KERNEL`: times our kernels, best of `--repeats`, one line per variant × shape.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a kernel family: gemm, syrk, cholesky, trsm, qr, svd, dequant, gemv.",
        discussion: """
            Shapes: gemm m×k×n; syrk k×n (C n×n lower ← AᵀA, A k×n: tokens × features; flops counted as n²k);
            cholesky n; trsm m×n (m×m triangular, m×n right-hand sides); qr m×n; svd m×n;
            dequant: output elements (whole blocks of each --types type; --dtype does not apply);
            gemv: out×in of a weight W in each --storages storage (y = W x, one token; W streamed from memory
            unless --hot; "dtype" is the storage, plus "read_gb_s" and, for simd, "vs_reference").
            With --json, one JSON object per line: {"kernel","variant","shape","dtype","threads","ms","gflops"}
            (dequant: "dtype" is the GGML type, plus "ns_per_block", "out_gb_s" and, for simd, "vs_reference";
            syrk --widen: "dtype" is "f32>f64", a Float A widened while packing into a Double C; "f32>f64 float-slabs"
            with --accumulation float-slabs).
            """)

    enum Kernel: String, ExpressibleByArgument, CaseIterable { case gemm, syrk, cholesky, trsm, qr, svd, dequant, gemv }
    enum DType: String, ExpressibleByArgument, CaseIterable { case f32, f64 }

    @Argument(help: "The kernel family: \(Kernel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kernel: Kernel

    @Option(help: "A variant name, or 'all'.")
    var variant: String = "all"

    @Option(help: "Comma-separated shapes, e.g. 1024x1024x1024,512x576x1536.")
    var shapes: String?

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @OptionGroup var workers: WorkerThreads

    @Option(help: "Timed runs per measurement (the best is reported).")
    var repeats: Int = 5

    @Option(help: "SVD: the rank k for randomized variants (default n/4).")
    var rank: Int?

    @Option(name: .customLong("power-iters"), help: "SVD: power iterations q for randomized variants.")
    var powerIters: Int = 2

    @Option(help: "SVD: oversampling p for randomized variants (default max(10, k/4)).")
    var oversampling: Int?

    @Option(help: "SVD: Jacobi QR preconditioner (\(QRPreconditioner.allCases.map(\.rawValue).joined(separator: ", "))).")
    var preconditioner: String?

    @Option(name: .customLong("qr-when"),
            help: "SVD: when Jacobi QR-preconditions (\(QRPreconditioning.allCases.map(\.rawValue).joined(separator: ", "))).")
    var qrWhen: String?

    @Option(help: "SVD: Jacobi ordering (\(JacobiOrdering.allCases.map(\.rawValue).joined(separator: ", "))).")
    var ordering: String?

    @Option(name: .customLong("block-size"), help: "SVD: Jacobi block size (0 = automatic).")
    var blockSize: Int = 0

    @Option(name: .customLong("inner-sweeps"), help: "SVD: jacobi-blocked inner sweep limit.")
    var innerSweeps: Int?

    @Option(name: .customLong("right-vectors"),
            help: "SVD: how jacobi obtains V (\(JacobiRightVectors.allCases.map(\.rawValue).joined(separator: ", "))).")
    var rightVectors: String?

    @Option(name: .customLong("mixed-precision"), help: "SVD: f64 jacobi's values-only first phase in f32 (true/false).")
    var mixedPrecision: Bool?

    @Option(name: .customLong("mixed-range"),
            help: "SVD: f64 randomized variants' range finder (sketch, power iterations) in f32 (true/false; default true).")
    var mixedRange: Bool?

    @Option(name: .customLong("sigma-refinement"), help: "SVD: f32 jacobi's σ as Rayleigh quotients in f64 (true/false).")
    var sigmaRefinement: Bool?

    @Option(name: .customLong("bd-block"), help: "SVD: bidiagonal's bidiagonalization panel width (default 32).")
    var bidiagonalBlock: Int?

    @Option(name: .customLong("bd-leaf"), help: "SVD: bidiagonal's divide-and-conquer leaf size (default 25).")
    var bidiagonalLeaf: Int?

    @Option(name: .customLong("loop-order"),
            help: "gemm: macro-kernel loop order (\(GEMMLoopOrder.allCases.map(\.rawValue).joined(separator: ", ")); default rowsOuter).")
    var loopOrder: String?

    @Option(help: "gemm: rows of A per packed block (0 = from the cache sizes).")
    var mc: Int = 0

    @Option(help: "gemm: depth per packed panel; syrk: rows of A per packed slab (0 = from the cache sizes).")
    var kc: Int = 0

    @Option(help: "gemm: columns of B per packed panel (0 = from the cache sizes).")
    var nc: Int = 0

    @Option(name: .customLong("nc-in-l2"), help: "gemm, rowsOuter: columns of B swept at a time; syrk: rows and columns of C per macro-tile (0 = from L2).")
    var ncInL2: Int = 0

    @Option(help: "dequant: comma-separated GGML types, e.g. Q4_K,Q6_K (default: every type with a kernel).")
    var types: String?

    @Option(help: "gemv: comma-separated weight storages (f32,f16,bf16,q8,int2,int3,int4,int8; default f32,f16,bf16,q8,int4).")
    var storages: String?

    @Flag(help: "gemv: time one cache-resident copy of W (default: stream copies that exceed the last-level cache).")
    var hot = false

    @Flag(name: .customLong("values-only"), help: "SVD: singular values only (no vectors).")
    var valuesOnly = false

    @Flag(name: .customLong("check-sigma"),
          help: "SVD: also report max_rel_sigma_err of the Jacobi variants (vs a Double Jacobi reference).")
    var checkSigma = false

    @Flag(name: .customLong("transpose-b"),
          help: "GEMM: B stored n×k and used transposed (C = A·Bᵀ), as a linear layer's out × in weight is.")
    var transposeB = false

    @Flag(help: "syrk: A in Float, C in Double (A widened while packing: the Gram of Float activations); needs --dtype f64.")
    var widen = false

    @Option(help: "syrk --widen: double (every product and sum in f64) or float-slabs (each KC-row slab summed in f32 by the f32 kernel, the slabs added in f64).")
    var accumulation: SYRKAccumulation = .double

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        if let r = rank, r < 1 { throw ValidationError("--rank must be at least 1 (got \(r))") }
        if let p = preconditioner, QRPreconditioner(rawValue: p) == nil {
            throw ValidationError("--preconditioner: unknown '\(p)'")
        }
        if let p = qrWhen, QRPreconditioning(rawValue: p) == nil { throw ValidationError("--qr-when: unknown '\(p)'") }
        if let p = ordering, JacobiOrdering(rawValue: p) == nil { throw ValidationError("--ordering: unknown '\(p)'") }
        if let p = rightVectors, JacobiRightVectors(rawValue: p) == nil {
            throw ValidationError("--right-vectors: unknown '\(p)'")
        }
        if let p = oversampling, p < 0 { throw ValidationError("--oversampling must be ≥ 0 (got \(p))") }
        if let o = loopOrder, GEMMLoopOrder(rawValue: o) == nil { throw ValidationError("--loop-order: unknown '\(o)'") }
        guard mc >= 0, kc >= 0, nc >= 0, ncInL2 >= 0 else {
            throw ValidationError("--mc, --kc, --nc, --nc-in-l2 must be ≥ 0")
        }
        if widen && (kernel != .syrk || dtype != .f64) {
            throw ValidationError("--widen applies to syrk with --dtype f64 only")
        }
        if accumulation != .double && !widen {
            throw ValidationError("--accumulation applies to syrk --widen only")
        }
        guard powerIters >= 0 else { throw ValidationError("--power-iters must be ≥ 0 (got \(powerIters))") }
    }

    func run() throws {
        if kernel == .dequant {  // Float output whatever --dtype is; its own options (--types)
            _ = try DequantBench(options: self).run()
            return
        }
        if kernel == .gemv {  // Float products of every storage; its own options (--storages, --hot)
            _ = try GEMVBench(options: self).run()
            return
        }
        switch dtype {
        case .f32: _ = try KernelBench<Float>(options: plan, emit: emit).run()
        case .f64: _ = try KernelBench<Double>(options: plan, emit: emit).run()
        }
    }

    /// The measurements the options ask for.
    var plan: KernelBenchPlan {
        KernelBenchPlan(kernel: kernel, variants: variant == "all" ? nil : [variant], shapes: shapes, threads: workers.threads,
                        transposeB: transposeB, gemmParams: gemmParams, widen: widen, accumulation: accumulation,
                        repeats: repeats, rank: rank, powerIters: powerIters, oversampling: oversampling, mixedRange: mixedRange,
                        jacobiParams: jacobiParams, bidiagonalParams: bidiagonalParams,
                        valuesOnly: valuesOnly, checkSigma: checkSigma)
    }

    /// The GEMM parameters the gemm options select.
    var gemmParams: GEMMParams {
        GEMMParams(mc: mc, kc: kc, nc: nc, ncInL2: ncInL2,
                   loopOrder: loopOrder.flatMap(GEMMLoopOrder.init(rawValue:)) ?? .rowsOuter)
    }

    /// The bidiagonal SVD parameters the SVD options select.
    var bidiagonalParams: BidiagonalSVDParams {
        var p = BidiagonalSVDParams()
        if let bidiagonalBlock { p.blockSize = max(1, bidiagonalBlock) }
        if let bidiagonalLeaf { p.leafSize = max(2, bidiagonalLeaf) }
        return p
    }

    /// The Jacobi parameters the SVD options select.
    var jacobiParams: JacobiParams {
        var p = JacobiParams()
        if let v = preconditioner.flatMap(QRPreconditioner.init(rawValue:)) { p.preconditioner = v }
        if let v = qrWhen.flatMap(QRPreconditioning.init(rawValue:)) { p.qrPreconditioning = v }
        if let v = ordering.flatMap(JacobiOrdering.init(rawValue:)) { p.ordering = v }
        p.blockSize = blockSize
        if let v = innerSweeps { p.innerMaxSweeps = v }
        if let v = rightVectors.flatMap(JacobiRightVectors.init(rawValue:)) { p.rightVectors = v }
        if let v = mixedPrecision { p.mixedPrecision = v }
        if let v = sigmaRefinement { p.sigmaRefinement = v }
        return p
    }

    func emit(_ record: BenchRecord) {
        // Unbuffered, so a long run shows each line as soon as it is measured.
        FileHandle.standardOutput.write(Data(((json ? record.jsonLine : record.humanLine) + "\n").utf8))
    }
}
