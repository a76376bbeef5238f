/// The order of the macro-kernel's two loops over the MR × NR tiles of a packed block, and with it which packed
/// operand stays in L1 (``GEMMBlocking`` sizes the blocks for the order).
public enum GEMMLoopOrder: String, Sendable, CaseIterable {
    /// Rows of tiles outer (ir), columns inner (jr): one MR × KC micro-panel of A stays in L1 while the KC × NC panel
    /// of B streams past it (from L2 or L3), and consecutive tiles of C lie side by side along the same MR rows.
    /// B is read once per A micro-panel.
    case rowsOuter
    /// Columns of tiles outer (jr), rows inner (ir), as in BLIS: one KC × NR micro-panel of B stays in L1 while the
    /// MC × KC block of A streams past it from L2 (private to each core); B is read from L3 once per A block, MC/MR
    /// times less than with `rowsOuter`.
    case columnsOuter

    /// The order the blocked GEMM uses for `T` unless ``GEMMParams/loopOrder`` says otherwise: `columnsOuter` for
    /// Double, whose KC × NC panel of B (2 MB at KC = 256, NC = 1024) is read from L3 for every A micro-panel under
    /// `rowsOuter` and starves two threads; `rowsOuter` for Float, measured faster for its 6 × 16 tile.
    public static func `default`<T>(for _: T.Type) -> GEMMLoopOrder {
        MemoryLayout<T>.stride == 8 ? .columnsOuter : .rowsOuter
    }
}
