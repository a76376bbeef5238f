/// Why a ``FolderLock`` could not be taken. Every case names the folder or the lock file.
public enum FolderLockError: Error, Equatable, CustomStringConvertible {
    /// Another process (or another lock in this one) holds the folder's lock. `pid` and `since` are what the
    /// holder wrote into the lock file (nil when it could not be read, e.g. a holder that is not svdllm).
    case held(folder: String, lockFile: String, pid: Int32?, since: String?)
    /// The lock file (or the folder it lives in) could not be created, opened or locked.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case let .held(folder, lockFile, pid, since):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "\(folder): in use by \(holder)" + (since.map { " since \($0)" } ?? "")
                + " (lock file \(lockFile)); wait for it to finish or stop it — a lock left by a killed process "
                + "does not block"
        case let .io(file, reason): return "\(file): \(reason)"
        }
    }
}
