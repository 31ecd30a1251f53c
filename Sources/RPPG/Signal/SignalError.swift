import TensorCore

/// Errors of the signal functions.
public enum SignalError: UserFacingError, Equatable {
    case invalidBand(low: Double, high: Double, fs: Double)
    case invalidOrder(Int)
    case signalTooShort(length: Int, needed: Int, context: String)

    public var description: String {
        switch self {
        case .invalidBand(let low, let high, let fs):
            return
                "Band-pass edges \(low)–\(high) Hz are invalid for a sampling rate of \(fs) Hz: they must satisfy 0 < low < high < fs/2."
        case .invalidOrder(let order):
            return "Filter order \(order) is invalid: use an order of 1 or more."
        case .signalTooShort(let length, let needed, let context):
            return "\(context): the signal has \(length) samples, but at least \(needed) are needed."
        }
    }
}
