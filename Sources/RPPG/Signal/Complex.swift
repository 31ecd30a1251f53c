import Foundation

/// A double-precision complex number: just what filter design and the FFT need.
public struct ComplexDouble: Sendable, Equatable {
    public var real: Double
    public var imaginary: Double

    /// Creates `real + imaginary·i`.
    @inlinable public init(_ real: Double, _ imaginary: Double = 0) {
        self.real = real
        self.imaginary = imaginary
    }

    @inlinable public static func + (a: ComplexDouble, b: ComplexDouble) -> ComplexDouble {
        ComplexDouble(a.real + b.real, a.imaginary + b.imaginary)
    }
    @inlinable public static func - (a: ComplexDouble, b: ComplexDouble) -> ComplexDouble {
        ComplexDouble(a.real - b.real, a.imaginary - b.imaginary)
    }
    @inlinable public static func * (a: ComplexDouble, b: ComplexDouble) -> ComplexDouble {
        ComplexDouble(
            a.real * b.real - a.imaginary * b.imaginary, a.real * b.imaginary + a.imaginary * b.real)
    }
    @inlinable public static func * (a: Double, b: ComplexDouble) -> ComplexDouble {
        ComplexDouble(a * b.real, a * b.imaginary)
    }
    /// Division the way numpy does it (Smith's algorithm), so that designs match scipy closely.
    @inlinable public static func / (a: ComplexDouble, b: ComplexDouble) -> ComplexDouble {
        if abs(b.real) >= abs(b.imaginary) {
            let ratio = b.imaginary / b.real
            let denominator = b.real + b.imaginary * ratio
            return ComplexDouble(
                (a.real + a.imaginary * ratio) / denominator, (a.imaginary - a.real * ratio) / denominator)
        } else {
            let ratio = b.real / b.imaginary
            let denominator = b.real * ratio + b.imaginary
            return ComplexDouble(
                (a.real * ratio + a.imaginary) / denominator, (a.imaginary * ratio - a.real) / denominator)
        }
    }

    /// Squared magnitude |z|².
    @inlinable public var squaredMagnitude: Double { real * real + imaginary * imaginary }

    /// The principal square root (branch cut on the negative real axis, as numpy's `sqrt`).
    public var squareRoot: ComplexDouble {
        if real == 0 && imaginary == 0 { return ComplexDouble(0, 0) }
        let modulus = (real * real + imaginary * imaginary).squareRoot()
        let t = ((modulus + abs(real)) / 2).squareRoot()
        if real >= 0 {
            return ComplexDouble(t, imaginary / (2 * t))
        } else {
            return ComplexDouble(abs(imaginary) / (2 * t), imaginary >= 0 ? t : -t)
        }
    }
}
