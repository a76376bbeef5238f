import SVDLLMKit
import Testing
@testable import svdllm

/// The library validates its options and names its own parameters; the command line names the flags.
@Suite struct FlagNamesTests {
    /// The message a command line is refused with (or nil when it parses).
    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try CompressCommand.parse(arguments)
            return nil
        } catch {
            return CompressCommand.message(for: error)
        }
    }

    @Test func compressNamesTheFlags() throws {
        #expect(Self.refusal(["m.gguf", "--ratio", "1.5"])?.contains("--ratio") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--nsamples", "0"])?.contains("--nsamples") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--seqlen", "1"])?.contains("--seqlen") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--update-nsamples", "0"])?.contains("--update-nsamples") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--method", "whiten+update", "--update-sampler", "token-windows",
                              "--update-nsamples", "0"])?.contains("--update-nsamples") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--update-nsamples", "65"])?.contains("--update-nsamples") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--sensitivity-windows", "0"])?.contains("--sensitivity-windows") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--method", "best"])?.contains("--method") == true)
        #expect(Self.refusal(["m.gguf", "--ratio", "0.2", "--method", "whiten+update", "--svd", "rsvd"]) == nil)
    }

    @Test func runTimeErrorsNameTheFlags() {
        let names = CompressCommand.flagNames
        let rank = names.rename(CompressionError.rankZero(layer: 0, name: "k_proj", rows: 16, cols: 32, ratio: 0.99))
        #expect("\(rank)".contains("--ratio") && !"\(rank)".contains("`"))
        let dest = names.rename(FormatError.invalid(file: "/tmp/x", field: "destination",
                                                    reason: "folder exists and is not empty (`force` replaces it)"))
        #expect("\(dest)".contains("--out") && "\(dest)".contains("--force"))
        let option = names.rename(CompressionError.invalidArgument(name: "updateSamples", reason: "must be at least 1, got 0"))
        #expect("\(option)" == "invalid --update-nsamples: must be at least 1, got 0")
    }
}
