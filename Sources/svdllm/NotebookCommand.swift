import ArgumentParser

/// `svdllm notebook KIND`: runs something real and writes a Jupyter notebook (nbformat 4.5) of its numbers
/// and plots, whose first cell records the command that reproduces it.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Write a Jupyter notebook of plots and tables from a real run.",
        subcommands: [NotebookKernelsCommand.self, NotebookCompressionCommand.self])
}
