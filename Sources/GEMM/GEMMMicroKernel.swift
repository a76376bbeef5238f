import LinearAlgebraCore

/// The register-tile micro-kernels of the blocked GEMM, selectable by name.
///
/// A micro-kernel computes one MR × NR tile of C from an MR-tall micro-panel of packed A and an NR-wide
/// micro-panel of packed B:  C[0..<MR, 0..<NR] ← α·Σₚ a[p]·b[p]ᵀ + β·C,  where a[p] is MR values and b[p] is
/// NR values. NR lies along the SIMD lanes (two vectors per row of the tile), each A value is broadcast,
/// and the MR·2 accumulators live in registers for the whole k loop.
public enum GEMMMicroKernel: String, Sendable, CaseIterable {
    /// 256-bit vectors (AVX2, 16 ymm registers): Float 6 × 16, Double 6 × 8 (12 accumulators).
    case avx2
    /// 512-bit vectors (AVX-512, 32 zmm registers): Float 12 × 32, Double 12 × 16 (24 accumulators).
    /// Correct on any CPU; fast only where the build targets AVX-512.
    case avx512

    /// The kernel this host runs by default: `.avx512` when the CPU has AVX-512F, else `.avx2`.
    public static var host: GEMMMicroKernel { CPUInfo.host.hasAVX512 ? .avx512 : .avx2 }

    /// Rows of C per tile.
    public var mr: Int {
        switch self {
        case .avx2: 6
        case .avx512: 12
        }
    }

    /// Columns of C per tile for the scalar type `T` (two SIMD vectors of the kernel's width).
    public func nr<T: LinalgScalar>(for _: T.Type) -> Int {
        let lanes = (self == .avx2 ? 32 : 64) / MemoryLayout<T>.stride
        return 2 * lanes
    }

    /// The tile shape as text for reports, e.g. `avx2 6×16 f32`.
    public func tileDescription<T: LinalgScalar>(for _: T.Type) -> String {
        "\(rawValue) \(mr)×\(nr(for: T.self)) \(T.dtypeName)"
    }
}

/// A scalar with the SIMD vector types its micro-kernels use.
protocol GEMMKernelScalar: LinalgScalar {
    /// 256 bits of lanes (`SIMD8<Float>`, `SIMD4<Double>`).
    associatedtype Vector256: SIMD where Vector256.Scalar == Self
    /// 512 bits of lanes (`SIMD16<Float>`, `SIMD8<Double>`).
    associatedtype Vector512: SIMD where Vector512.Scalar == Self
}

extension Float: GEMMKernelScalar {
    typealias Vector256 = SIMD8<Float>
    typealias Vector512 = SIMD16<Float>
}

extension Double: GEMMKernelScalar {
    typealias Vector256 = SIMD4<Double>
    typealias Vector512 = SIMD8<Double>
}

/// Where a micro-kernel writes its tile.
///
/// `c` is the top-left element of the destination, `ldc` its row stride. With `full == false` the tile is an
/// edge tile of C: the kernel stores the raw sums (no α, β) into `c`, which is then a scratch MR × NR buffer
/// with `ldc == NR`, and the caller writes back the valid part (``writeBackEdge``).
@usableFromInline struct MicroTileTarget<T: LinalgScalar> {
    var c: UnsafeMutablePointer<T>
    var ldc: Int
    var full: Bool
}

// MARK: - Vector helpers

@inline(__always) func loadVector<V: SIMD>(_ p: UnsafePointer<V.Scalar>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always) func storeVector<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// c ← α·acc + β·c for one vector of C (β = 0: c is not read).
@inline(__always) func writeVector<V: SIMD>(
    _ acc: V, _ p: UnsafeMutablePointer<V.Scalar>, alpha: V, beta: V, betaIsZero: Bool
) where V.Scalar: FloatingPoint {
    if betaIsZero {
        storeVector(acc * alpha, p)
    } else {
        let old: V = loadVector(UnsafePointer(p))
        storeVector((acc * alpha).addingProduct(old, beta), p)
    }
}

// MARK: - 6 × (2 vectors) kernel (AVX2 tile)

/// C tile (6 × 2w, w = V.scalarCount) ← α·Σₚ a[p]·b[p]ᵀ + β·C.
///
/// `a`: kc × 6 packed (6 consecutive values per p), `b`: kc × 2w packed (2w consecutive values per p).
/// Not inlined, so each specialization is one symbol whose machine code can be inspected
/// (`objdump -d … | grep microKernel6x2`); the call costs nothing next to a kc-long loop.
@inline(never)
func microKernel6x2<V: SIMD>(
    _: V.Type, kc: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>, target: MicroTileTarget<V.Scalar>,
    alpha: V.Scalar, beta: V.Scalar
) where V.Scalar: LinalgScalar {
    let w = V.scalarCount
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var ap = a, bp = b
    for _ in 0..<kc {
        let b0: V = loadVector(bp), b1: V = loadVector(bp + w)
        var av = V(repeating: ap[0])
        c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
        av = V(repeating: ap[1])
        c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
        av = V(repeating: ap[2])
        c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
        av = V(repeating: ap[3])
        c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
        av = V(repeating: ap[4])
        c40 = c40.addingProduct(av, b0); c41 = c41.addingProduct(av, b1)
        av = V(repeating: ap[5])
        c50 = c50.addingProduct(av, b0); c51 = c51.addingProduct(av, b1)
        ap += 6
        bp += 2 * w
    }
    let c = target.c, ldc = target.ldc
    if target.full {
        let va = V(repeating: alpha), vb = V(repeating: beta), bz = beta == 0
        writeVector(c00, c, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c01, c + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c10, c + ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c11, c + ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c20, c + 2 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c21, c + 2 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c30, c + 3 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c31, c + 3 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c40, c + 4 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c41, c + 4 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c50, c + 5 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c51, c + 5 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
    } else {
        storeVector(c00, c); storeVector(c01, c + w)
        storeVector(c10, c + ldc); storeVector(c11, c + ldc + w)
        storeVector(c20, c + 2 * ldc); storeVector(c21, c + 2 * ldc + w)
        storeVector(c30, c + 3 * ldc); storeVector(c31, c + 3 * ldc + w)
        storeVector(c40, c + 4 * ldc); storeVector(c41, c + 4 * ldc + w)
        storeVector(c50, c + 5 * ldc); storeVector(c51, c + 5 * ldc + w)
    }
}


// MARK: - 12 × (2 vectors) kernel (AVX-512 tile)

/// C tile (12 × 2w, w = V.scalarCount) ← α·Σₚ a[p]·b[p]ᵀ + β·C: 24 accumulators, for 32-register AVX-512.
///
/// `a`: kc × 12 packed (12 consecutive values per p), `b`: kc × 2w packed (2w consecutive values per p).
@inline(never)
func microKernel12x2<V: SIMD>(
    _: V.Type, kc: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>, target: MicroTileTarget<V.Scalar>,
    alpha: V.Scalar, beta: V.Scalar
) where V.Scalar: LinalgScalar {
    let w = V.scalarCount
    var c0_0 = V(), c0_1 = V(), c1_0 = V(), c1_1 = V(), c2_0 = V(), c2_1 = V()
    var c3_0 = V(), c3_1 = V(), c4_0 = V(), c4_1 = V(), c5_0 = V(), c5_1 = V()
    var c6_0 = V(), c6_1 = V(), c7_0 = V(), c7_1 = V(), c8_0 = V(), c8_1 = V()
    var c9_0 = V(), c9_1 = V(), c10_0 = V(), c10_1 = V(), c11_0 = V(), c11_1 = V()
    var ap = a, bp = b
    for _ in 0..<kc {
        let b0: V = loadVector(bp), b1: V = loadVector(bp + w)
        var av = V(repeating: ap[0])
        c0_0 = c0_0.addingProduct(av, b0); c0_1 = c0_1.addingProduct(av, b1)
        av = V(repeating: ap[1])
        c1_0 = c1_0.addingProduct(av, b0); c1_1 = c1_1.addingProduct(av, b1)
        av = V(repeating: ap[2])
        c2_0 = c2_0.addingProduct(av, b0); c2_1 = c2_1.addingProduct(av, b1)
        av = V(repeating: ap[3])
        c3_0 = c3_0.addingProduct(av, b0); c3_1 = c3_1.addingProduct(av, b1)
        av = V(repeating: ap[4])
        c4_0 = c4_0.addingProduct(av, b0); c4_1 = c4_1.addingProduct(av, b1)
        av = V(repeating: ap[5])
        c5_0 = c5_0.addingProduct(av, b0); c5_1 = c5_1.addingProduct(av, b1)
        av = V(repeating: ap[6])
        c6_0 = c6_0.addingProduct(av, b0); c6_1 = c6_1.addingProduct(av, b1)
        av = V(repeating: ap[7])
        c7_0 = c7_0.addingProduct(av, b0); c7_1 = c7_1.addingProduct(av, b1)
        av = V(repeating: ap[8])
        c8_0 = c8_0.addingProduct(av, b0); c8_1 = c8_1.addingProduct(av, b1)
        av = V(repeating: ap[9])
        c9_0 = c9_0.addingProduct(av, b0); c9_1 = c9_1.addingProduct(av, b1)
        av = V(repeating: ap[10])
        c10_0 = c10_0.addingProduct(av, b0); c10_1 = c10_1.addingProduct(av, b1)
        av = V(repeating: ap[11])
        c11_0 = c11_0.addingProduct(av, b0); c11_1 = c11_1.addingProduct(av, b1)
        ap += 12
        bp += 2 * w
    }
    let c = target.c, ldc = target.ldc
    if target.full {
        let va = V(repeating: alpha), vb = V(repeating: beta), bz = beta == 0
        writeVector(c0_0, c + 0 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c0_1, c + 0 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c1_0, c + 1 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c1_1, c + 1 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c2_0, c + 2 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c2_1, c + 2 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c3_0, c + 3 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c3_1, c + 3 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c4_0, c + 4 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c4_1, c + 4 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c5_0, c + 5 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c5_1, c + 5 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c6_0, c + 6 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c6_1, c + 6 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c7_0, c + 7 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c7_1, c + 7 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c8_0, c + 8 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c8_1, c + 8 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c9_0, c + 9 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c9_1, c + 9 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c10_0, c + 10 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c10_1, c + 10 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c11_0, c + 11 * ldc, alpha: va, beta: vb, betaIsZero: bz)
        writeVector(c11_1, c + 11 * ldc + w, alpha: va, beta: vb, betaIsZero: bz)
    } else {
        storeVector(c0_0, c + 0 * ldc); storeVector(c0_1, c + 0 * ldc + w)
        storeVector(c1_0, c + 1 * ldc); storeVector(c1_1, c + 1 * ldc + w)
        storeVector(c2_0, c + 2 * ldc); storeVector(c2_1, c + 2 * ldc + w)
        storeVector(c3_0, c + 3 * ldc); storeVector(c3_1, c + 3 * ldc + w)
        storeVector(c4_0, c + 4 * ldc); storeVector(c4_1, c + 4 * ldc + w)
        storeVector(c5_0, c + 5 * ldc); storeVector(c5_1, c + 5 * ldc + w)
        storeVector(c6_0, c + 6 * ldc); storeVector(c6_1, c + 6 * ldc + w)
        storeVector(c7_0, c + 7 * ldc); storeVector(c7_1, c + 7 * ldc + w)
        storeVector(c8_0, c + 8 * ldc); storeVector(c8_1, c + 8 * ldc + w)
        storeVector(c9_0, c + 9 * ldc); storeVector(c9_1, c + 9 * ldc + w)
        storeVector(c10_0, c + 10 * ldc); storeVector(c10_1, c + 10 * ldc + w)
        storeVector(c11_0, c + 11 * ldc); storeVector(c11_1, c + 11 * ldc + w)
    }
}
