/// Products and sums of sizes declared by a file, or nil where they do not fit in Int: the readers check a size
/// this way before computing or allocating anything from it.
enum CheckedArithmetic {
    /// The product of `factors` (1 for none), or nil on overflow.
    static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for x in factors {
            let (q, o) = p.multipliedReportingOverflow(by: x)
            if o { return nil }
            p = q
        }
        return p
    }

    /// The sum of `terms`, or nil on overflow.
    static func sum(_ terms: [Int]) -> Int? {
        var s = 0
        for x in terms {
            let (t, o) = s.addingReportingOverflow(x)
            if o { return nil }
            s = t
        }
        return s
    }
}
