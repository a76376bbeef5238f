// Shared by every fuzz target (compiled into each by Scripts/fuzz): the contract check and the entry point glue.

/// Stops the run with `message` when a reader's result breaks its contract (libFuzzer records the input as a crash).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError("contract broken: \(message())", file: file, line: line) }
}

/// The input as an array (libFuzzer may pass a null pointer for the empty input).
func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
