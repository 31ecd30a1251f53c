/// Namespace of the `RPPG` module (see ARCHITECTURE.md for what it holds).
public enum RPPGModule {
    /// Module name, for version banners and reports.
    public static let name = "RPPG"
}
