import SpectralDecompositions
import Testing

@Test func svdErrorSaysWhere() {
    #expect(SVDError.nonFinite(row: 1, col: 2).description == "SVD: non-finite input at (1, 2)")
}
