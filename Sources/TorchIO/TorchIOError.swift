import TensorCore

/// Why a PyTorch file could not be read or written. Every message names the file, says what is
/// wrong and what to do next.
public struct TorchIOError: UserFacingError, Equatable {
    /// The file concerned.
    public var path: String
    /// What went wrong, one sentence without the file name.
    public var problem: String
    /// What the user can do about it.
    public var advice: String

    public init(
        path: String, problem: String,
        advice: String = "check that the file is a complete PyTorch checkpoint saved with torch.save"
    ) {
        self.path = path
        self.problem = problem
        self.advice = advice
    }

    public var description: String { "\(path): \(problem); \(advice)." }

    static func truncated(_ path: String, _ what: String) -> TorchIOError {
        TorchIOError(
            path: path, problem: "the file is truncated or corrupt (\(what) lies outside the file)",
            advice: "copy or download the file again")
    }

    static func corrupt(_ path: String, _ what: String) -> TorchIOError {
        TorchIOError(
            path: path, problem: "the file is corrupt (\(what))", advice: "copy or download the file again")
    }

    static func disallowedGlobal(_ path: String, _ name: String) -> TorchIOError {
        TorchIOError(
            path: path,
            problem:
                "the pickle refers to the global '\(name)', which is not on the allow-list of tensor data (it could run code)",
            advice:
                "only load files from sources you trust; to inspect it anyway, load with keepUnknownGlobals (the global is kept inert and never called)"
        )
    }
}
