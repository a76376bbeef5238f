import Foundation

/// AdamW with decoupled weight decay, step for step as torch.optim.AdamW (amsgrad off) updates a parameter p with
/// gradient g at step t (1-based):
///
///     p ← p · (1 − lr·λ)
///     m ← β₁ m + (1 − β₁) g,        v ← β₂ v + (1 − β₂) g²
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The moments of every adapter's A and B are kept beside it (``Moments``), in the adapters' key order.
public struct AdamW: Sendable, Codable, Equatable {
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    public var weightDecay: Double
    /// Steps taken (t after the last update).
    public var step = 0

    public init(weightDecay: Double) { self.weightDecay = weightDecay }

    /// The first and second moments of one adapter (shapes of A and B, row-major).
    public struct Moments: Sendable, Equatable {
        public var mA: [Float], vA: [Float], mB: [Float], vB: [Float]

        public init(mA: [Float], vA: [Float], mB: [Float], vB: [Float]) {
            self.mA = mA; self.vA = vA; self.mB = mB; self.vB = vB
        }

        public init(aCount: Int, bCount: Int) {
            mA = [Float](repeating: 0, count: aCount); vA = mA
            mB = [Float](repeating: 0, count: bCount); vB = mB
        }
    }

    /// One update of every adapter of `model` from its gradients, at learning rate `lr`.
    public mutating func update<T: TrainingScalar>(_ model: inout TrainableModel<T>, moments: inout [AdapterKey: Moments],
                                                   lr: Double) {
        step += 1
        let c1 = 1 - Foundation.pow(beta1, Double(step)), c2 = (1 - Foundation.pow(beta2, Double(step))).squareRoot()
        let stepSize = T(lr / c1), decay = T(1 - lr * weightDecay)
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon), c2t = T(c2)
        for key in model.adapterKeys {
            var a = model[adapter: key]!
            var m = moments[key] ?? Moments(aCount: a.a.elements.count, bCount: a.b.elements.count)
            func apply(_ p: inout [T], _ g: [T], _ mo: inout [Float], _ ve: inout [Float]) {
                for i in p.indices {
                    let gi = g[i]
                    var mi = T(Double(mo[i])), vi = T(Double(ve[i]))
                    mi = b1 * mi + (1 - b1) * gi
                    vi = b2 * vi + (1 - b2) * gi * gi
                    p[i] = p[i] * decay - stepSize * mi / (vi.squareRoot() / c2t + eps)
                    mo[i] = Float(mi.asDouble)
                    ve[i] = Float(vi.asDouble)
                }
            }
            apply(&a.a.elements, a.gradA.elements, &m.mA, &m.vA)
            apply(&a.b.elements, a.gradB.elements, &m.mB, &m.vB)
            model[adapter: key] = a
            moments[key] = m
        }
    }
}
