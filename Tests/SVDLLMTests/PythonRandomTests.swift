import Testing
@testable import SVDLLM

/// Expected values printed by CPython 3.11:
///   random.seed(3); [random.randint(0, 5000000) for _ in range(5)]
///   random.seed(0); [random.getrandbits(32) for _ in range(3)], random.randint(0, 9)
///   random.seed(2**40 + 7); [random.randint(0, 100) for _ in range(5)], random.getrandbits(40)
@Suite struct PythonRandomTests {
    @Test func randintMatchesCPython() {
        var r = PythonRandom(seed: 3)
        #expect((0..<5).map { _ in r.randomInt(in: 0...5_000_000) } == [1_996_191, 4_971_432, 4_565_325, 1_094_065, 3_103_408])
    }

    @Test func getrandbitsMatchesCPython() {
        var r = PythonRandom(seed: 0)
        #expect((0..<3).map { _ in r.randomBits(32) } == [3_626_764_237, 1_654_615_998, 3_255_389_356])
        #expect(r.randomInt(in: 0...9) == 6)
    }

    @Test func multiWordSeedAndWideBitsMatchCPython() {
        var r = PythonRandom(seed: (1 << 40) + 7)
        #expect((0..<5).map { _ in r.randomInt(in: 0...100) } == [78, 95, 81, 73, 90])
        #expect(r.randomBits(40) == 276_921_985_386)
    }
}
