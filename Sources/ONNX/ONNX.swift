/// Namespace of the `ONNX` module (see ARCHITECTURE.md for what it holds).
public enum ONNXModule {
    /// Module name, for version banners and reports.
    public static let name = "ONNX"
}
