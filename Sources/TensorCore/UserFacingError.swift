/// An error the command-line tool prints as one clear sentence (what went wrong, which file,
/// what to do next) with a non-zero exit code, instead of a stack trace.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// Process exit code for this error (1 for bad input unless a step defines its own).
    var exitCode: Int32 { get }
}

extension UserFacingError {
    public var exitCode: Int32 { 1 }
}

/// Errors of the tensor layer itself.
public enum TensorError: UserFacingError, Equatable {
    case shapeMismatch(expected: [Int], got: [Int], context: String)
    case dtypeMismatch(expected: DType, got: DType, context: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let e, let g, let c): return "\(c): expected shape \(e), got \(g)."
        case .dtypeMismatch(let e, let g, let c): return "\(c): expected dtype \(e.rawValue), got \(g.rawValue)."
        case .invalidArgument(let m): return m
        }
    }
}
