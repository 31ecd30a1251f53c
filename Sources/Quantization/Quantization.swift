/// Namespace of the `Quantization` module (see ARCHITECTURE.md for what it holds).
public enum QuantizationModule {
    /// Module name, for version banners and reports.
    public static let name = "Quantization"
}
