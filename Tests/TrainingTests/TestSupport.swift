import Foundation
import LinearAlgebraCore
@testable import Training

/// A tiny checkpoint of TransformerRuntimeTests (make_tiny_fixtures.py), shared rather than copied.
func tinyCheckpoint(_ arch: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TransformerRuntimeTests/Fixtures/tiny/\(arch)")
}

func fixtureURL(_ name: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// Gaussian entries times `scale`, seeded.
func random<T: TrainingScalar>(_ rows: Int, _ cols: Int, seed: UInt64, scale: Double = 1) -> Matrix<T> {
    let g = Matrix<Double>.gaussian(rows: rows, cols: cols, seed: seed)
    return Matrix(rows: rows, cols: cols, elements: g.elements.map { T($0 * scale) })
}

/// Σᵢ wᵢ yᵢ: the scalar whose gradient with respect to y is w (how each op's backward is driven).
func dot(_ w: Matrix<Double>, _ y: Matrix<Double>) -> Double {
    zip(w.elements, y.elements).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The central difference (f(x + h) − f(x − h)) / 2h with h = ε^(1/3)·max(1, |x|), the step that balances
/// truncation (h²) against rounding (ε/h): its error is O(ε^(2/3)) relative to the function's scale.
func centralDifference(at x: Double, _ f: (Double) -> Double) -> Double {
    let h = pow(Double.ulpOfOne, 1.0 / 3) * max(1, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)
}

/// The bound the checks use: 10⁴ · ε^(2/3) (≈ 4·10⁻⁷) times the gradient's scale (its largest entry, at least 1).
func finiteDifferenceTolerance(scale: Double) -> Double {
    1e4 * pow(Double.ulpOfOne, 2.0 / 3) * max(1, scale)
}

/// Checks `analytic` (the backward's gradient of every element of `x`) against central differences of `loss`
/// at every `stride`-th element; returns the worst |Δ| and the gradient scale.
func checkGradient(_ x: inout Matrix<Double>, analytic: Matrix<Double>, stride: Int = 1,
                   loss: (Matrix<Double>) -> Double) -> (worst: Double, scale: Double) {
    precondition(analytic.elements.count == x.elements.count)
    var worst = 0.0
    for i in Swift.stride(from: 0, to: x.elements.count, by: stride) {
        let saved = x.elements[i]
        let fd = centralDifference(at: saved) { v in
            x.elements[i] = v
            return loss(x)
        }
        x.elements[i] = saved
        worst = max(worst, abs(fd - analytic.elements[i]))
    }
    return (worst, analytic.maxAbs)
}
