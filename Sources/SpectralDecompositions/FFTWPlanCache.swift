import CFFTW
import Foundation
import LinearAlgebraCore

/// FFTW plans for batched real transforms, created once per (length, batch, precision, kind) and reused.
///
/// Thread safety: FFTW's planner is not thread safe, so every plan is created under one process-wide lock
/// (this cache is the only place the toolkit plans). Executing a plan on new arrays
/// (`fftwf_execute_r2r` / `fftw_execute_r2r`) is thread safe, so callers run cached plans from many threads
/// at once. Plans are made in place with `FFTW_ESTIMATE` on 64-byte-aligned buffers, and must be executed in
/// place on buffers with the same (64-byte) alignment, as FFTW's new-array execute requires.
final class FFTWPlanCache: @unchecked Sendable {
    static let shared = FFTWPlanCache()

    private struct Key: Hashable {
        var length: Int
        var batch: Int
        var double: Bool
    }

    private let lock = NSLock()
    private var plans: [Key: OpaquePointer] = [:]

    /// The in-place DCT-II (`FFTW_REDFT10`, unnormalized: y_k = 2 Σ_j x_j cos(π k (j + ½)/n)) of `batch`
    /// contiguous rows of `length` elements of T.
    func dctII<T: LinalgScalar>(length n: Int, batch: Int, _: T.Type) -> OpaquePointer {
        let key = Key(length: n, batch: batch, double: T.self == Double.self)
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[key] { return p }
        let bytes = n * batch * MemoryLayout<T>.stride
        let buf = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(bytes, 64), alignment: 64)
        defer { buf.deallocate() }
        var dims = [Int32(n)]
        let flags = UInt32(FFTW_ESTIMATE)
        let plan: OpaquePointer?
        if key.double {
            let p = buf.bindMemory(to: Double.self, capacity: n * batch)
            var kind = [FFTW_REDFT10]
            plan = fftw_plan_many_r2r(1, &dims, Int32(batch), p, nil, 1, Int32(n), p, nil, 1, Int32(n), &kind, flags)
        } else {
            let p = buf.bindMemory(to: Float.self, capacity: n * batch)
            var kind = [FFTW_REDFT10]
            plan = fftwf_plan_many_r2r(1, &dims, Int32(batch), p, nil, 1, Int32(n), p, nil, 1, Int32(n), &kind, flags)
        }
        guard let plan else { fatalError("FFTW could not plan a DCT-II of length \(n) × \(batch)") }
        plans[key] = plan
        return plan
    }

    /// Runs a plan from ``dctII(length:batch:_:)`` in place on `rows` (64-byte aligned). Thread safe.
    static func execute<T: LinalgScalar>(_ plan: OpaquePointer, _ rows: UnsafeMutablePointer<T>) {
        if T.self == Double.self {
            let p = UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Double.self)
            fftw_execute_r2r(plan, p, p)
        } else {
            let p = UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Float.self)
            fftwf_execute_r2r(plan, p, p)
        }
    }
}
