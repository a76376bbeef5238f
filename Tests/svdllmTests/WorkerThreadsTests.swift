import Testing
@testable import svdllm

/// `--threads` is one shared option group: every command that computes takes it and refuses a count below 1.
@Suite struct WorkerThreadsTests {
    @Test func everyModelCommandValidatesThreads() throws {
        #expect(try CompressCommand.parse(["m.gguf", "--ratio", "0.2", "--threads", "3"]).workers.threads == 3)
        #expect(throws: (any Error).self) { try CompressCommand.parse(["m.gguf", "--ratio", "0.2", "--threads", "0"]) }
        #expect(throws: (any Error).self) { try GenerateCommand.parse(["m.gguf", "--prompt", "hi", "--threads", "0"]) }
        #expect(throws: (any Error).self) { try NotebookCompressionCommand.parse(["m.gguf", "--threads", "-1"]) }
        #expect(throws: (any Error).self) { try PerplexityCommand.parse(["m.gguf", "--text", "t.txt", "--threads", "0"]) }
        #expect(throws: (any Error).self) { try SpeedCommand.parse(["m.gguf", "--threads", "0"]) }
        #expect(try NotebookCompressionCommand.parse(["m.gguf"]).workers.threads >= 1)
    }

    @Test func kernelAndFileCommandsShareIt() throws {
        #expect(try BenchCommand.parse(["gemm", "--threads", "2"]).workers.threads == 2)
        #expect(try LinalgCommand.parse(["svd", "--input", "a.npy", "--output", "o", "--threads", "2"]).workers.threads == 2)
        #expect(try ConvertCommand.parse(["m.gguf", "--out", "o", "--threads", "2"]).workers.threads == 2)
        #expect(throws: (any Error).self) { try BenchCommand.parse(["gemm", "--threads", "0"]) }
        #expect(throws: (any Error).self) { try LinalgCommand.parse(["svd", "--input", "a.npy", "--output", "o", "--threads", "0"]) }
        #expect(throws: (any Error).self) { try ConvertCommand.parse(["m.gguf", "--out", "o", "--threads", "0"]) }
    }
}
