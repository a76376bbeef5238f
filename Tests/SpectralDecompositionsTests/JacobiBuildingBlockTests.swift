import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions
import Testing

@Test func roundRobinMeetsEveryPairOnceInDisjointSteps() {
    for n in [2, 3, 4, 7, 10] {
        var ordering = RoundRobinOrdering(n)
        var seen = Set<[Int]>()
        var pairs = [(Int, Int)]()
        for _ in 0..<ordering.steps {
            ordering.pairs(into: &pairs)
            let players = pairs.flatMap { [$0.0, $0.1] }
            #expect(Set(players).count == players.count, "step not disjoint for n = \(n)")
            #expect(pairs.count == n / 2)
            for (p, q) in pairs { #expect(seen.insert([p, q]).inserted) }
            ordering.advance()
        }
        #expect(seen.count == n * (n - 1) / 2)
    }
}

@Test(arguments: [false, true])
func factorQRGivesThinQAndR(double: Bool) {
    func run<T: GEMMScalar>(_: T.Type) {
        for (m, n) in [(9, 5), (5, 9), (7, 7), (1, 4), (4, 1), (40, 33)] {
            let a = Matrix<T>.gaussian(rows: m, cols: n, seed: UInt64(m * n))
            let (qOptional, r) = factorQR(a, wantQ: true, parallelism: .threads(2))
            let q = qOptional!
            #expect(q.rows == m && q.cols == min(m, n) && r.rows == min(m, n) && r.cols == n)
            for i in 0..<r.rows { for j in 0..<min(i, n) { #expect(r[i, j] == 0) } }
            let qrProduct = matmul(q, r)
            let err = zip(qrProduct.elements, a.elements).map { abs($0.asDouble - $1.asDouble) }.max()!
            #expect(err <= 20 * T.machineEpsilon * Double(m) * a.maxAbs)
            #expect(orthonormalityError(columnsOf: q) <= 20 * T.machineEpsilon * Double(m))
        }
    }
    if double { run(Double.self) } else { run(Float.self) }
}

@Test func planeRotationOrthogonalizes() {
    let x: [Double] = [1, 2, 3, 4], y: [Double] = [2, -1, 0.5, 3]
    let alpha = x.reduce(0) { $0 + $1 * $1 }, beta = y.reduce(0) { $0 + $1 * $1 }
    let gamma = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
    let r = PlaneRotation(alpha: alpha, beta: beta, gamma: gamma)
    let xn = zip(x, y).map { r.c * $0 - r.s * $1 }, yn = zip(x, y).map { r.s * $0 + r.c * $1 }
    #expect(abs(zip(xn, yn).reduce(0) { $0 + $1.0 * $1.1 }) <= 1e-14)
    #expect(abs(xn.reduce(0) { $0 + $1 * $1 } - (alpha - r.t * gamma)) <= 1e-13)
    #expect(abs(r.c * r.c + r.s * r.s - 1) <= 1e-15)
}

@Test func rowKernelsMatchScalarLoops() {
    for n in [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 70] {
        var g = SeededGenerator(seed: UInt64(n))
        let x = (0..<n).map { _ in Float(g.nextGaussian()) }, y = (0..<n).map { _ in Float(g.nextGaussian()) }
        x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in
            let (px, py) = (xb.baseAddress ?? UnsafePointer(bitPattern: 4)!, yb.baseAddress ?? UnsafePointer(bitPattern: 4)!)
            let f = (xx: dotRow(px, px, n), yy: dotRow(py, py, n), xy: dotRow(px, py, n))
            let ref = (zip(x, x).map { Double($0 * $1) }.reduce(0, +), zip(y, y).map { Double($0 * $1) }.reduce(0, +),
                       zip(x, y).map { Double($0) * Double($1) }.reduce(0, +))
            #expect(abs(Double(f.xx) - ref.0) <= 1e-5 * Double(n + 1) && abs(Double(f.yy) - ref.1) <= 1e-5 * Double(n + 1))
            #expect(abs(Double(f.xy) - ref.2) <= 1e-5 * Double(n + 1))
            #expect(abs(Double(dotRow(px, py, n)) - ref.2) <= 1e-5 * Double(n + 1))
        } }
        var a = x, b = y
        a.withUnsafeMutableBufferPointer { ab in b.withUnsafeMutableBufferPointer { bb in
            if n > 0 { rotateRows(ab.baseAddress!, bb.baseAddress!, n, c: 0.6, s: 0.8) }
        } }
        for i in 0..<n {
            #expect(abs(a[i] - (0.6 * x[i] - 0.8 * y[i])) <= 1e-6 && abs(b[i] - (0.8 * x[i] + 0.6 * y[i])) <= 1e-6)
        }
    }
}
