/// Parses `--shapes 1024x1024x1024,512x576x1536` (or `1536` for a square kernel) into integer lists.
enum ShapeList {
    static func parse(_ text: String, dimensions: Int, argument: String = "--shapes") throws -> [[Int]] {
        try text.split(separator: ",").map { item in
            let parts = item.split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! > 0 }) else {
                throw CLIError("\(argument): '\(item)' is not a shape like 512x512")
            }
            var dims = parts.map { $0! }
            if dims.count == 1 { dims = Array(repeating: dims[0], count: dimensions) }
            guard dims.count == dimensions else {
                throw CLIError("\(argument): '\(item)' needs \(dimensions) dimensions")
            }
            return dims
        }
    }
}
