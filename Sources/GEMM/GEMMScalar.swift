import LinearAlgebraCore

/// A scalar our GEMM and SYRK serve (`Float`, `Double`).
///
/// The requirements route a generic call from another module straight into code the optimizer has
/// specialized for the concrete type, so generic callers (Cholesky, QR, …) pay one witness call per
/// GEMM or SYRK, not per element.
public protocol GEMMScalar: LinalgScalar {
    static func _gemm(
        _ variant: GEMMVariant, _ transA: Transpose, _ a: MatrixView<Self>, _ transB: Transpose,
        _ b: MatrixView<Self>, _ c: MutableMatrixView<Self>, alpha: Self, beta: Self,
        parallelism: Parallelism, params: GEMMParams)
    static func _syrk(
        _ variant: SYRKVariant, _ a: MatrixView<Self>, _ c: MutableMatrixView<Self>, alpha: Self, beta: Self,
        parallelism: Parallelism, params: SYRKParams)
}

extension Float: GEMMScalar {
    public static func _gemm(
        _ variant: GEMMVariant, _ transA: Transpose, _ a: MatrixView<Float>, _ transB: Transpose,
        _ b: MatrixView<Float>, _ c: MutableMatrixView<Float>, alpha: Float, beta: Float,
        parallelism: Parallelism, params: GEMMParams
    ) {
        gemmDispatch(variant, transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    }

    public static func _syrk(
        _ variant: SYRKVariant, _ a: MatrixView<Float>, _ c: MutableMatrixView<Float>, alpha: Float, beta: Float,
        parallelism: Parallelism, params: SYRKParams
    ) {
        syrkDispatch(variant, a, c, kernelScalar: Self.self, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    }
}

extension Double: GEMMScalar {
    public static func _gemm(
        _ variant: GEMMVariant, _ transA: Transpose, _ a: MatrixView<Double>, _ transB: Transpose,
        _ b: MatrixView<Double>, _ c: MutableMatrixView<Double>, alpha: Double, beta: Double,
        parallelism: Parallelism, params: GEMMParams
    ) {
        gemmDispatch(variant, transA, a, transB, b, c, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    }

    public static func _syrk(
        _ variant: SYRKVariant, _ a: MatrixView<Double>, _ c: MutableMatrixView<Double>, alpha: Double, beta: Double,
        parallelism: Parallelism, params: SYRKParams
    ) {
        syrkDispatch(variant, a, c, kernelScalar: Self.self, alpha: alpha, beta: beta, parallelism: parallelism,
                     params: params)
    }
}
