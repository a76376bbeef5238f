import ArgumentParser
import SVDLLMKit

/// The library's errors name its own parameters — ``CompressionError/invalidArgument(name:reason:)``'s name,
/// ``RuntimeError/invalidInput(argument:reason:)``'s argument, a ``FormatError/invalid(file:field:reason:)``'s
/// field, and parameters quoted in backticks in a message (`force`,
/// `resume`, `ratio`) — and a command names its flags. `FlagNames` maps the first onto the second for one command
/// (or one call: `sampleCount` is `--nsamples` for the calibration sampler and `--update-nsamples` for the update
/// sampler).
struct FlagNames {
    let flags: [String: String]

    init(_ flags: [String: String]) { self.flags = flags }

    /// `error` with the parameters it names replaced by their flags (a ``CLIError``), or `error` itself.
    func rename(_ error: Error) -> Error {
        switch error {
        case let CompressionError.invalidArgument(name, reason):
            return CLIError("invalid \(flags[name] ?? name): \(rename(reason))")
        case let RuntimeError.invalidInput(argument, reason) where flags[argument] != nil:
            return CLIError("invalid \(flags[argument]!): \(rename(reason))")
        case let FormatError.invalid(file, field, reason) where flags[field] != nil:
            return CLIError("invalid \(flags[field]!): \(file) \(rename(reason))")
        case let e as CompressionError:
            return CLIError(rename(e.description))
        default:
            return error
        }
    }

    /// `text` with every `parameter` in backticks replaced by its flag.
    func rename(_ text: String) -> String {
        flags.reduce(text) { $0.replacingOccurrences(of: "`\($1.key)`", with: $1.value) }
    }

    /// Runs `body`, renaming the parameters its errors name (run time: exit status 1).
    func callAsFunction<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw rename(error) }
    }

    /// Runs `body` as part of a command's `validate()`: its errors, renamed, are command-line errors (exit 2).
    func validating(_ body: () throws -> Void) throws {
        do { try body() } catch {
            let renamed = rename(error)
            if let e = renamed as? CLIError { throw ValidationError(e.description) }
            throw renamed
        }
    }
}
