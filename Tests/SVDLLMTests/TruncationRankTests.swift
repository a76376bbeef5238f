import Testing
@testable import SVDLLM

@Suite struct TruncationRankTests {
    /// SmolLM2-135M's 30 blocks (q, o: 576×576; k, v: 192×576; gate, up: 1536×576; down: 576×1536) keep exactly
    /// the decoder-linear parameter counts the official SVD-LLM code reaches on the same model.
    @Test(arguments: [(0.2, 84_873_600), (0.4, 63_561_600), (0.6, 42_318_720)])
    func smolLM2ParameterCountsMatchTheOfficialCode(ratio: Double, expected: Int) {
        let shapes = [(576, 576), (192, 576), (192, 576), (576, 576), (1536, 576), (1536, 576), (576, 1536)]
        let perBlock = shapes.reduce(0) { sum, s in
            sum + truncationRank(rows: s.0, cols: s.1, ratio: ratio) * (s.0 + s.1)
        }
        #expect(perBlock * 30 == expected)
        #expect(shapes.map { truncationRank(rows: $0.0, cols: $0.1, ratio: 0.2) } == [230, 115, 115, 230, 335, 335, 335])
    }

    @Test func rankIsFloorOfKeptParametersOverRowsPlusCols() {
        #expect(truncationRank(rows: 4, cols: 4, ratio: 0.5) == 1)   // 16·0.5/8 = 1
        #expect(truncationRank(rows: 10, cols: 10, ratio: 0.99) == 0)
        #expect(truncationRank(rows: 3, cols: 5, ratio: 0.2) == 1)   // 15·0.8/8 = 1.5
    }
}
