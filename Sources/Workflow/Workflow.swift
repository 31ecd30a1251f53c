/// Namespace of the `Workflow` module (see ARCHITECTURE.md for what it holds).
public enum WorkflowModule {
    /// Module name, for version banners and reports.
    public static let name = "Workflow"
}
