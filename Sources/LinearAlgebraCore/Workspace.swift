/// Scratch memory a kernel asks for up front, so inner loops never allocate (faer's "explicit workspace").
///
/// A workspace grows to the largest request and is then reused; it is not thread-safe, so each worker
/// owns its own. Memory is 64-byte aligned (a cache line, and a full AVX-512 vector).
public final class Workspace: @unchecked Sendable {
    public static let alignment = 64
    private var storage: UnsafeMutableRawPointer?
    public private(set) var capacityBytes: Int = 0

    public init(bytes: Int = 0) {
        if bytes > 0 { reserve(bytes: bytes) }
    }

    deinit { storage?.deallocate() }

    /// Ensures at least `bytes` of capacity (old contents are not kept).
    public func reserve(bytes: Int) {
        guard bytes > capacityBytes else { return }
        storage?.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Workspace.alignment)
        capacityBytes = bytes
    }

    /// `count` elements of type T, starting `offsetBytes` into the workspace (rounded up to the alignment).
    /// The memory is uninitialized for trivial types and valid until the next `reserve` that grows it.
    public func buffer<T>(of _: T.Type, count: Int, offsetBytes: Int = 0) -> UnsafeMutablePointer<T> {
        let offset = Workspace.roundUp(offsetBytes)
        reserve(bytes: offset + count * MemoryLayout<T>.stride)
        return (storage! + offset).bindMemory(to: T.self, capacity: count)
    }

    /// `bytes` rounded up to a multiple of the alignment.
    public static func roundUp(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
}
