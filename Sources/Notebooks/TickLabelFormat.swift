import Foundation

/// Text for tick labels and table cells: short, with no more digits than the tick step needs.
public enum TickLabelFormat {
    /// A tick of a linear axis whose ticks are `step` apart: as many decimals as the step has
    /// (step 0.25 → 2, step 5 → 0), scientific (`2.5e+06`) for very large or very small values.
    public static func linear(_ value: Double, step: Double) -> String {
        let v = value == 0 ? 0 : value  // no "-0"
        if abs(v) >= 1e6 || (step > 0 && step < 1e-4) { return String(format: "%.3g", v) }
        let decimals = step > 0 ? max(0, Int((-log10(step) - 1e-9).rounded(.up))) : 0
        return String(format: "%.\(decimals)f", v)
    }

    /// A tick of a log axis at `mantissa` × 10^`exponent` (mantissa 1, 2 or 5): plain decimals from 0.001 to
    /// 100 000, `10⁶` / `2×10⁶` beyond.
    public static func log(mantissa: Int, exponent: Int) -> String {
        if (-3...5).contains(exponent) {
            let v = Double(mantissa) * pow(10, Double(exponent))
            return String(format: "%.\(max(0, -exponent))f", v)
        }
        let power = "10" + superscript(exponent)
        return mantissa == 1 ? power : "\(mantissa)×\(power)"
    }

    /// A measured number for a table: 4 significant digits, without trailing zeros; integers stay integers.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "−∞") }
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        let a = abs(value)
        if a >= 1e6 || a < 1e-3 { return String(format: "%.3e", value) }
        let decimals = max(0, 3 - Int(Foundation.log10(a).rounded(.down)))
        var s = String(format: "%.\(decimals)f", value)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(abs(n)).map { digits[Int(String($0))!] })
        return n < 0 ? "⁻" + body : body
    }
}
