/// Tunables of the blocked Householder QR. Tests override them (tiny blocks) to reach every edge path.
public struct QRParams: Sendable, Equatable {
    /// Columns per panel (the order of each block reflector's T); ≥ 1.
    public var blockSize: Int
    /// Panels are split recursively in halves down to at most this many columns, which are factored one
    /// reflector at a time; ≥ 1.
    public var panelLeaf: Int

    public init(blockSize: Int = 64, panelLeaf: Int = 16) {
        precondition(blockSize >= 1 && panelLeaf >= 1, "QRParams: sizes must be ≥ 1")
        self.blockSize = blockSize
        self.panelLeaf = panelLeaf
    }

    public static let `default` = QRParams()
}
