#if os(Linux)
/// glibc's `malloc_trim` and `mallopt` (declared in <malloc.h>, which the Glibc module does not import).
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Gives the allocator's free memory back to the kernel. glibc keeps freed blocks below its mmap threshold in
/// its heaps, one per thread, so without this a finished layer's Grams and SVD work stay in the resident set;
/// `compress` calls it between layers. A no-op elsewhere.
func returnFreedMemory() {
    #if os(Linux)
    _ = glibcMallocTrim(0)
    #endif
}

/// Makes every allocation of `threshold` bytes or more a mapping of its own, unmapped when freed
/// (`mallopt(M_MMAP_THRESHOLD, threshold)`, which also stops glibc from raising the threshold as large blocks are
/// freed). With the default dynamic threshold, a freed SVD work array or Gram raises it to its size, later arrays
/// of that size are carved from the heaps, and fragmentation there makes the peak creep up layer after layer. A
/// fresh mapping costs page faults on first touch, so the threshold stays above the small per-window buffers that
/// profiling allocates over and over.
///
/// The heaps (the main one and each worker thread's) grow by `pad` bytes beyond a request and keep that much free
/// at their top when trimmed (`mallopt(M_TOP_PAD, pad)`, `mallopt(M_TRIM_THRESHOLD, 2·pad)`): with glibc's
/// 128 KiB every freed window buffer — the packed operands of each GEMM and SYRK, a projection's output — was
/// given back and faulted in again, window after window (five times the page faults of the whole run).
/// ``returnFreedMemory()`` between layers still gives everything back. Process-wide; a no-op outside glibc.
public func mapLargeAllocations(threshold: Int = 8 << 20, pad: Int = 16 << 20) {
    #if os(Linux)
    _ = glibcMallopt(-3, Int32(clamping: threshold))  // M_MMAP_THRESHOLD
    _ = glibcMallopt(-2, Int32(clamping: pad))        // M_TOP_PAD
    _ = glibcMallopt(-1, Int32(clamping: 2 * pad))    // M_TRIM_THRESHOLD
    #endif
}
