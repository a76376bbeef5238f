/// The order of the macro-kernel's two loops over the MR × NR tiles of a packed block, and with it which packed
/// operand stays in L1 (``GEMMBlocking`` sizes the blocks for the order).
///
/// The default is `rowsOuter` for Float and Double: on Zen 3 `columnsOuter` took 10–20 % more CPU time for a
/// 1024³ Double GEMM (the tiles of C it visits go down the rows), and `rowsOuter` sweeping the B panel in slices
/// that stay in L2 (``GEMMBlocking/ncInL2``) reads B from L3 once per A block too.
public enum GEMMLoopOrder: String, Sendable, CaseIterable {
    /// Rows of tiles outer (ir), columns inner (jr), within slices of ``GEMMBlocking/ncInL2`` columns: one MR × KC
    /// micro-panel of A stays in L1 while the slice of the B panel (in L2) streams past it, and consecutive tiles of C
    /// lie side by side along the same MR rows. B is read from L3 once per A block.
    case rowsOuter
    /// Columns of tiles outer (jr), rows inner (ir), as in BLIS: one KC × NR micro-panel of B stays in L1 while the
    /// MC × KC block of A streams past it from L2 (private to each core); B is read from L3 once per A block, MC/MR
    /// times less than with `rowsOuter`.
    case columnsOuter
}
