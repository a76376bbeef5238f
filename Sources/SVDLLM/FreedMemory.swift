#if os(Linux)
/// glibc's `malloc_trim` (declared in <malloc.h>, which the Glibc module does not import).
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Gives the allocator's free memory back to the kernel. glibc keeps freed blocks below its (growing) mmap
/// threshold in its heaps, one per thread, so without this a finished layer's Grams and SVD work stay in the
/// resident set and the peak creeps up layer by layer; `compress` calls it between layers. A no-op elsewhere.
func returnFreedMemory() {
    #if os(Linux)
    _ = glibcMallocTrim(0)
    #endif
}
