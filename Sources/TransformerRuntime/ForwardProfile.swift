import Foundation

/// Where a forward pass spends its time: wall-clock and process-CPU seconds per phase, and the flops of the
/// matrix-product phases, summed over every call while it is attached (``CausalLM/profile``).
///
/// Phases run one after another on the calling thread (each may fan out to workers inside), so the wall times
/// add up to the forward's; the CPU time is the whole process's (`CLOCK_PROCESS_CPUTIME_ID`: every worker),
/// which on a shared machine is the steadier measure of work:  GFLOP/s per core = flops / cpu.
/// Two clock reads per phase per layer: nothing next to the phases themselves.
public final class ForwardProfile: @unchecked Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        case embed
        /// The blocks' RMSNorm / LayerNorm (and Gemma's q/k norms).
        case norm
        case qkv = "q/k/v"
        case rope
        /// Scores, masked softmax and the weighted sum of values, with the KV-cache store.
        case attention
        case o
        case gateUp = "gate/up"
        case activation
        case down
        case residual
        case finalNorm = "final norm"
        case lmHead = "lm_head"
        case logSoftmax = "log-softmax"
    }

    /// Accumulated totals of one phase.
    public struct Totals: Sendable, Equatable {
        public var wallSeconds = 0.0
        public var cpuSeconds = 0.0
        public var flops = 0.0
        public var calls = 0
    }

    private let lock = NSLock()
    private var totals: [Phase: Totals] = [:]

    public init() {}

    /// Runs `body` and adds its times (and `flops`) to `phase`.
    public func measure<R, E: Error>(_ phase: Phase, flops: Double = 0, _ body: () throws(E) -> R) throws(E) -> R {
        let w0 = DispatchTime.now().uptimeNanoseconds, c0 = Self.processCPUSeconds()
        defer {
            let wall = Double(DispatchTime.now().uptimeNanoseconds - w0) * 1e-9, cpu = Self.processCPUSeconds() - c0
            lock.lock()
            totals[phase, default: Totals()].wallSeconds += wall
            totals[phase, default: Totals()].cpuSeconds += cpu
            totals[phase, default: Totals()].flops += flops
            totals[phase, default: Totals()].calls += 1
            lock.unlock()
        }
        return try body()
    }

    /// The totals of `phase` so far.
    public subscript(phase: Phase) -> Totals {
        lock.lock()
        defer { lock.unlock() }
        return totals[phase] ?? Totals()
    }

    /// One line per phase that ran: wall and CPU seconds, their shares, GFLOP/s per CPU-second for products.
    public var report: String {
        let rows = Phase.allCases.map { ($0, self[$0]) }.filter { $0.1.calls > 0 }
        let wall = rows.reduce(0) { $0 + $1.1.wallSeconds }, cpu = rows.reduce(0) { $0 + $1.1.cpuSeconds }
        func line(_ cells: [String]) -> String {
            zip(cells, [-12, 9, 7, 9, 7, 13]).map { cell, width in
                let pad = String(repeating: " ", count: Swift.max(0, abs(width) - cell.count))
                return width < 0 ? cell + pad : pad + cell
            }.joined(separator: " ")
        }
        var lines = [line(["phase", "wall s", "wall %", "cpu s", "cpu %", "GFLOP/s/core"])]
        for (phase, t) in rows {
            lines.append(line([phase.rawValue, String(format: "%.3f", t.wallSeconds),
                               String(format: "%.1f", 100 * t.wallSeconds / Swift.max(wall, 1e-12)),
                               String(format: "%.3f", t.cpuSeconds),
                               String(format: "%.1f", 100 * t.cpuSeconds / Swift.max(cpu, 1e-12)),
                               t.flops > 0 && t.cpuSeconds > 0 ? String(format: "%.1f", t.flops / t.cpuSeconds / 1e9) : ""]))
        }
        lines.append(line(["total", String(format: "%.3f", wall), "", String(format: "%.3f", cpu), "", ""]))
        return lines.joined(separator: "\n")
    }

    /// CPU seconds of every thread of this process.
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

extension Optional where Wrapped == ForwardProfile {
    /// `body()`, timed into `phase` when a profile is attached.
    @inlinable @inline(__always)
    public func measure<R, E: Error>(_ phase: ForwardProfile.Phase, flops: Double = 0,
                                     _ body: () throws(E) -> R) throws(E) -> R {
        guard let p = self else { return try body() }
        return try p.measure(phase, flops: flops, body)
    }
}
