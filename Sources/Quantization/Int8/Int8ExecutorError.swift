import TensorCore

/// Why a QDQ graph cannot be compiled or run by ``Int8Executor``.
public struct Int8ExecutorError: UserFacingError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
