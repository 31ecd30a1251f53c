/// Namespace of the `Kernels` module (see ARCHITECTURE.md for what it holds).
public enum KernelsModule {
    /// Module name, for version banners and reports.
    public static let name = "Kernels"
}
