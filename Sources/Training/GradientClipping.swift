import Foundation

/// Clipping by the global norm, as torch.nn.utils.clip_grad_norm_: with n = ‖all adapter gradients‖₂,
///
///     every gradient ← gradient · min(1, maxNorm / (n + 10⁻⁶))
///
/// Returns n (before clipping). The sum of squares accumulates in Double.
public enum GradientClipping {
    @discardableResult
    public static func clip<T: TrainingScalar>(_ model: inout TrainableModel<T>, maxNorm: Double) -> Double {
        var sum = 0.0
        let keys = model.adapterKeys
        for key in keys {
            let a = model[adapter: key]!
            for g in a.gradA.elements { sum += g.asDouble * g.asDouble }
            for g in a.gradB.elements { sum += g.asDouble * g.asDouble }
        }
        let norm = sum.squareRoot()
        let coefficient = maxNorm / (norm + 1e-6)
        guard maxNorm > 0, coefficient < 1 else { return norm }
        let c = T(coefficient)
        for key in keys {
            var a = model[adapter: key]!
            for i in a.gradA.elements.indices { a.gradA.elements[i] *= c }
            for i in a.gradB.elements.indices { a.gradB.elements[i] *= c }
            model[adapter: key] = a
        }
        return norm
    }
}
