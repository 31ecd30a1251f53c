/// Namespace of the `Training` module (see ARCHITECTURE.md for what it holds).
public enum TrainingModule {
    /// Module name, for version banners and reports.
    public static let name = "Training"
}
