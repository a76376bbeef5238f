import Foundation

/// One axis of a plot: its scale, the data interval it shows (`domain`), its ticks, and the map from a
/// data value to a fraction of the axis length.
///
/// - linear: fraction(v) = (v − lo)/(hi − lo); the domain is the data extent rounded out to multiples of a
///   "nice" step s = m·10^k, m ∈ {1, 2, 5}, chosen so the extent spans about `tickTarget` steps.
/// - log: fraction(v) = (log₁₀ v − log₁₀ lo)/(log₁₀ hi − log₁₀ lo); the domain is the positive data extent
///   rounded out to the nearest 1, 2 or 5 × 10^k; labelled ticks at the powers of ten (also at 2 and 5 × 10^k
///   when the domain spans less than 2.5 decades), unlabelled ones at 2…9 × 10^k.
/// - categories(names): category i sits at x = i, the domain is [−½, count − ½].
public struct Axis: Sendable, Equatable {
    public let scale: AxisScale
    /// The data values at the two ends of the axis.
    public let domain: ClosedRange<Double>
    public let ticks: [AxisTick]

    /// An axis showing `values` (values an axis cannot show — NaN, ±∞, ≤ 0 on a log axis — are ignored).
    /// `fixedDomain` replaces the automatic domain; `includeZero` makes a linear domain reach 0;
    /// `padding` widens the data extent on each side by that fraction of the smallest gap between distinct
    /// values (in log₁₀ units on a log axis), so bars centred on the first and last values stay inside.
    public init(scale: AxisScale, values: [Double], fixedDomain: ClosedRange<Double>? = nil,
                includeZero: Bool = false, padding: Double = 0, tickTarget: Int = 6) {
        self.scale = scale
        switch scale {
        case .categories(let names):
            domain = fixedDomain ?? (-0.5)...(Double(max(names.count, 1)) - 0.5)
            ticks = names.enumerated().map { AxisTick(value: Double($0.offset), label: $0.element) }
        case .linear:
            var finite = values.filter(\.isFinite)
            if includeZero { finite.append(0) }
            var dataDomain = Self.extent(finite, padding: padding, log: false) ?? 0...1
            if includeZero {  // padding must not push a one-signed range across 0
                if finite.allSatisfy({ $0 >= 0 }) { dataDomain = 0...max(dataDomain.upperBound, 1e-300) }
                if finite.allSatisfy({ $0 <= 0 }) { dataDomain = min(dataDomain.lowerBound, -1e-300)...0 }
            }
            let (d, t) = Self.linearTicks(for: fixedDomain ?? dataDomain, fixed: fixedDomain != nil,
                                          target: tickTarget)
            domain = d
            ticks = t
        case .log:
            let positive = values.filter { $0.isFinite && $0 > 0 }
            let dataDomain = Self.extent(positive, padding: padding, log: true) ?? 1...10
            let (d, t) = Self.logTicks(for: fixedDomain ?? dataDomain, fixed: fixedDomain != nil)
            domain = d
            ticks = t
        }
    }

    /// Where `value` falls along the axis: 0 at `domain.lowerBound`, 1 at `domain.upperBound`; nil when the
    /// value cannot be shown (not finite, ≤ 0 on a log axis, or outside the domain by more than 10⁻⁹).
    public func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        let f: Double
        switch scale {
        case .linear, .categories:
            f = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log:
            guard value > 0 else { return nil }
            let lo = Foundation.log10(domain.lowerBound), hi = Foundation.log10(domain.upperBound)
            f = (Foundation.log10(value) - lo) / (hi - lo)
        }
        guard f >= -1e-9 && f <= 1 + 1e-9 else { return nil }
        return f
    }

    // MARK: Domains and ticks

    /// [min, max] of `values`, widened by `padding` × the smallest gap between distinct values (in log₁₀
    /// units when `log`); a single value v gets v ± 10 % (± 1 for 0) or, when `log`, half a decade each side.
    /// Nil when `values` is empty.
    static func extent(_ values: [Double], padding: Double, log: Bool) -> ClosedRange<Double>? {
        let t = Array(Set(values.map { log ? Foundation.log10($0) : $0 })).sorted()
        guard let first = t.first, let last = t.last else { return nil }
        var lo = first, hi = last
        if lo == hi {
            let half = log ? 0.5 : (lo == 0 ? 1 : abs(lo) * 0.1)
            lo -= half
            hi += half
        } else {
            let gap = zip(t.dropFirst(), t).map { $0 - $1 }.min()!
            lo -= padding * gap
            hi += padding * gap
        }
        return log ? pow(10, lo)...pow(10, hi) : lo...hi
    }

    /// The 1-2-5 step for an interval of `span` split into about `target` parts.
    public static func niceStep(span: Double, target: Int) -> Double {
        let raw = span / Double(max(target, 1))
        guard raw > 0 && raw.isFinite else { return 1 }
        let e = Foundation.log10(raw).rounded(.down)
        let f = raw / pow(10, e)
        let m: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        return m * pow(10, e)
    }

    static func linearTicks(for d: ClosedRange<Double>, fixed: Bool, target: Int)
        -> (ClosedRange<Double>, [AxisTick]) {
        let step = niceStep(span: d.upperBound - d.lowerBound, target: target)
        let domain = fixed ? d : ((d.lowerBound / step + 1e-9).rounded(.down) * step)...((d.upperBound / step - 1e-9).rounded(.up) * step)
        let first = Int((domain.lowerBound / step - 1e-9).rounded(.up))
        let last = Int((domain.upperBound / step + 1e-9).rounded(.down))
        guard first <= last else { return (domain, []) }
        let ticks = (first...last).map { i in
            let v = Double(i) * step
            return AxisTick(value: v, label: TickLabelFormat.linear(v, step: step))
        }
        return (domain, ticks)
    }

    static func logTicks(for d: ClosedRange<Double>, fixed: Bool) -> (ClosedRange<Double>, [AxisTick]) {
        var domain = d
        if !fixed {
            // Round out to 1, 2 or 5 × 10^k.
            let lo = d.lowerBound, hi = d.upperBound
            let elo = Foundation.log10(lo).rounded(.down), ehi = Foundation.log10(hi).rounded(.down)
            let mlo = [5.0, 2, 1].first { $0 * pow(10, elo) <= lo * (1 + 1e-12) } ?? 1
            let mhi = [1.0, 2, 5, 10].first { $0 * pow(10, ehi) >= hi * (1 - 1e-12) } ?? 10
            domain = (mlo * pow(10, elo))...(mhi * pow(10, ehi))
        }
        let kLo = Int(Foundation.log10(domain.lowerBound).rounded(.down))
        let kHi = Int(Foundation.log10(domain.upperBound).rounded(.up))
        func inside(_ v: Double) -> Bool {
            v >= domain.lowerBound * (1 - 1e-9) && v <= domain.upperBound * (1 + 1e-9)
        }
        let powers = (kLo...kHi).filter { inside(pow(10, Double($0))) }
        let labelTwoFive = Foundation.log10(domain.upperBound / domain.lowerBound) < 2.5
        let labelEvery = max(1, (powers.count + 7) / 8)  // at most ~8 labelled decades
        var ticks: [AxisTick] = []
        for k in kLo...kHi {
            for m in 1...9 {
                let v = Double(m) * pow(10, Double(k))
                guard inside(v) else { continue }
                let labelled = (m == 1 && (k - kLo) % labelEvery == 0) || (labelTwoFive && (m == 2 || m == 5))
                ticks.append(AxisTick(value: v, label: labelled ? TickLabelFormat.log(mantissa: m, exponent: k) : nil))
            }
        }
        return (domain, ticks)
    }
}
