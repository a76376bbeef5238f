import Foundation
import Testing
@testable import Notebooks

@Suite struct AxisTests {
    @Test func niceStepsAreOneTwoFiveTimesAPowerOfTen() {
        #expect(Axis.niceStep(span: 10, target: 5) == 2)
        #expect(Axis.niceStep(span: 87, target: 6) == 20)
        #expect(Axis.niceStep(span: 0.3, target: 6) == 0.05)
        #expect(Axis.niceStep(span: 1000, target: 10) == 100)
        #expect(Axis.niceStep(span: 7, target: 1) == 10)
    }

    @Test func linearDomainIsRoundedOutToTheStep() {
        let a = Axis(scale: .linear, values: [3, 87], tickTarget: 6)
        #expect(a.domain == 0...100)
        #expect(a.ticks.map(\.value) == [0, 20, 40, 60, 80, 100])
        #expect(a.ticks.map(\.label) == ["0", "20", "40", "60", "80", "100"])
        #expect(a.fraction(50) == 0.5)
        #expect(a.fraction(101) == nil)
    }

    @Test func linearTickLabelsHaveTheStepsDecimals() {
        let a = Axis(scale: .linear, values: [0.1, 0.42], tickTarget: 6)
        #expect(a.ticks.map(\.label) == ["0.1", "0.2", "0.3", "0.4", "0.5"])
        #expect(Axis(scale: .linear, values: [0, 0.3]).ticks.map(\.label) == ["0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"])
        let z = Axis(scale: .linear, values: [5, 9], includeZero: true, tickTarget: 5)
        #expect(z.domain.lowerBound == 0)
        #expect(Axis(scale: .linear, values: [-1, 1], tickTarget: 2).ticks.map(\.label) == ["-1", "0", "1"])
    }

    @Test func logTicksAreThePowersOfTen() {
        let a = Axis(scale: .log, values: [3, 40_000, -1, 0])
        #expect(a.domain == 2...50_000)
        #expect(a.ticks.filter(\.isMajor).map(\.label) == ["10", "100", "1000", "10000"])
        #expect(a.ticks.filter { !$0.isMajor }.map(\.value).prefix(3) == [2, 3, 4])
        #expect(a.fraction(0) == nil && a.fraction(-3) == nil)
        let f = a.fraction(100)!
        let expected: Double = (2 - log10(2.0)) / (log10(50_000.0) - log10(2.0))
        #expect(abs(f - expected) < 1e-12)
    }

    @Test func narrowLogRangesAlsoLabelTwoAndFive() {
        let a = Axis(scale: .log, values: [64, 900])
        #expect(a.domain == 50...1000)
        #expect(a.ticks.filter(\.isMajor).map(\.label) == ["50", "100", "200", "500", "1000"])
        let tiny = Axis(scale: .log, values: [1e-7, 1e-6])
        #expect(tiny.ticks.filter(\.isMajor).map(\.label).contains("10⁻⁷"))
    }

    @Test func categoriesSitAtTheirIndex() {
        let a = Axis(scale: .categories(["svd", "asvd", "whiten"]), values: [])
        #expect(a.domain == -0.5...2.5)
        #expect(a.ticks.map(\.label) == ["svd", "asvd", "whiten"])
        #expect(abs(a.fraction(1)! - 0.5) < 1e-12)
    }

    @Test func aSingleValueGetsARange() {
        let a = Axis(scale: .linear, values: [5])
        #expect(a.domain.contains(5) && a.domain.lowerBound < 5 && a.domain.upperBound > 5)
        let l = Axis(scale: .log, values: [100])
        #expect(l.domain.contains(100) && l.domain.lowerBound < 100)
    }

    @Test func numbersForTables() {
        #expect(TickLabelFormat.number(85.123456) == "85.12")
        #expect(TickLabelFormat.number(1024) == "1024")
        #expect(TickLabelFormat.number(0.5) == "0.5")
        #expect(TickLabelFormat.number(1.5e-5) == "1.500e-05")
        #expect(TickLabelFormat.log(mantissa: 2, exponent: 7) == "2×10⁷")
    }
}
