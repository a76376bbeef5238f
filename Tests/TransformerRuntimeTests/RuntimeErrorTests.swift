import TransformerRuntime
import Testing

@Test func runtimeErrorNamesTensor() {
    #expect(RuntimeError.missingTensor(file: "m.gguf", name: "output_norm.weight").description
        == "m.gguf: missing tensor 'output_norm.weight'")
}
