@testable import GEMM
import LinearAlgebraCore
import Testing

/// One GEMM test case: shapes, transposes, scalars, and how C, A, B are laid out.
struct GEMMCase: CustomStringConvertible {
    var m: Int, n: Int, k: Int
    var transA: Transpose = .none, transB: Transpose = .none
    var alpha: Double = 1, beta: Double = 0
    /// Extra elements per row of A, B and C (rowStride = cols + pad): strided sub-views.
    var pad: Int = 0
    var seed: UInt64 = 1

    var description: String {
        "m=\(m) n=\(n) k=\(k) op=\(transA.rawValue)\(transB.rawValue) α=\(alpha) β=\(beta) pad=\(pad)"
    }
}

/// Runs `variant` on `cs` and compares with a Double-accumulated reference:
/// |C − C_ref| ≤ 2(k + 2)·ε·(|α|·Σₚ|a||b| + |β|·|C₀|) elementwise (the standard GEMM error bound).
/// With β = 0, C starts as NaN and must come out finite. Returns the number of failing elements.
@discardableResult
func checkGEMM<T: GEMMScalar>(
    _: T.Type, _ cs: GEMMCase, variant: GEMMVariant, parallelism: Parallelism = .serial,
    params: GEMMParams = .default
) -> Int {
    let (ar, ac) = cs.transA == .none ? (cs.m, cs.k) : (cs.k, cs.m)
    let (br, bc) = cs.transB == .none ? (cs.k, cs.n) : (cs.n, cs.k)
    // Stored with `pad` extra columns; the views cover the first cols columns.
    let aStore = Matrix<T>.gaussian(rows: ar, cols: ac + cs.pad, seed: cs.seed)
    let bStore = Matrix<T>.gaussian(rows: br, cols: bc + cs.pad, seed: cs.seed &+ 1)
    var cStore = Matrix<T>.gaussian(rows: cs.m, cols: cs.n + cs.pad, seed: cs.seed &+ 2)
    if cs.beta == 0 { cStore = Matrix(rows: cs.m, cols: cs.n + cs.pad, repeating: .nan) }
    let c0 = cStore
    let alpha = T(cs.alpha), beta = T(cs.beta)
    aStore.withView { av in
        bStore.withView { bv in
            cStore.withMutableView { cv in
                gemm(cs.transA, av.block(rows: 0..<ar, cols: 0..<ac), cs.transB, bv.block(rows: 0..<br, cols: 0..<bc),
                     into: cv.block(rows: 0..<cs.m, cols: 0..<cs.n), alpha: alpha, beta: beta,
                     variant: variant, parallelism: parallelism, params: params)
            }
        }
    }
    let eps = T.machineEpsilon
    var failures = 0
    for i in 0..<cs.m {
        for j in 0..<cs.n {
            var sum = 0.0, mag = 0.0
            for p in 0..<cs.k {
                let x = (cs.transA == .none ? aStore[i, p] : aStore[p, i]).asDouble
                let y = (cs.transB == .none ? bStore[p, j] : bStore[j, p]).asDouble
                sum += x * y
                mag += abs(x * y)
            }
            let old = cs.beta == 0 ? 0 : c0[i, j].asDouble
            let ref = cs.alpha * sum + cs.beta * old
            let bound = 2 * Double(cs.k + 2) * eps * (abs(cs.alpha) * mag + abs(cs.beta * old)) + Double.leastNormalMagnitude
            let got = cStore[i, j].asDouble
            if !(abs(got - ref) <= bound) {
                if failures < 3 {
                    Issue.record("\(T.dtypeName) \(variant) \(cs) C[\(i),\(j)] = \(got), expected \(ref) ± \(bound)")
                }
                failures += 1
            }
        }
        // The padding columns of C are outside the view and must be untouched.
        for j in cs.n..<(cs.n + cs.pad) where !(cStore[i, j] == c0[i, j] || (cStore[i, j].isNaN && c0[i, j].isNaN)) {
            Issue.record("\(T.dtypeName) \(variant) \(cs): wrote outside C at [\(i),\(j)]")
            failures += 1
        }
    }
    return failures
}

/// The four (op(A), op(B)) combinations.
let allTransposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed), (.transposed, .none),
                                               (.transposed, .transposed)]

/// α, β pairs: plain product, scaled accumulate, negative α with β = 0, β = 1.
let alphaBetas: [(Double, Double)] = [(1, 0), (0.5, -1.5), (-2, 0), (1, 1)]
