/// Elementwise int8 → int8 maps as 256-entry tables, ONNX Runtime's QLinear lookup form: an
/// activation between a DequantizeLinear and a QuantizeLinear (`Q(f(DQ(x)))`), or a requantize
/// from one scale/zero point to another, depends only on the int8 input value, so the host
/// computes the table once and host and device both run this loop.
public enum Int8Lookup {
    /// `y[i] = table[x[i] + 128]` for `count` values (`table` has 256 entries, −128 first).
    @inlinable
    public static func apply(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                             count: Int) {
        let centre = table + 128
        for i in 0..<count { output[i] = centre[Int(input[i])] }
    }

    /// Fills `table` (256 entries) with `f(v)` for v = −128…127.
    @inlinable
    public static func fill(_ table: UnsafeMutablePointer<Int8>, _ f: (Int8) -> Int8) {
        for v in -128...127 { table[v + 128] = f(Int8(v)) }
    }
}
