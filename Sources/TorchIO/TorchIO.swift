/// Namespace of the `TorchIO` module (see ARCHITECTURE.md for what it holds).
public enum TorchIOModule {
    /// Module name, for version banners and reports.
    public static let name = "TorchIO"
}
