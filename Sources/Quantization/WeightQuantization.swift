import TensorCore

/// Quantization of initializers (weights, int32 biases) as ORT's QDQ quantizer does it.
enum WeightQuantization {
    /// Per-tensor (`axis == nil`) or per-channel parameters of a float initializer
    /// (`_calc_initializer_quant_params`): min/max of the data (or of each slice along `axis`).
    static func parameters(_ w: Tensor, dtype: DType, symmetric: Bool, axis: Int?) -> [QuantParameters] {
        let values = w.floatValues()
        let range = QuantRange.of(dtype, symmetric: symmetric)
        guard let axis else {
            let lo = values.min() ?? 0, hi = values.max() ?? 0
            return [QuantizationMath.parameters(rmin: lo, rmax: hi, range: range, symmetric: symmetric)]
        }
        return slices(w.shape, axis: axis).map { idx in
            var lo = Float.infinity, hi = -Float.infinity
            for i in idx { lo = min(lo, values[i]); hi = max(hi, values[i]) }
            if idx.isEmpty { lo = 0; hi = 0 }
            return QuantizationMath.parameters(rmin: lo, rmax: hi, range: range, symmetric: symmetric)
        }
    }

    /// Flat indices of each slice along `axis`.
    static func slices(_ shape: [Int], axis: Int) -> [[Int]] {
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        return (0..<channels).map { c in
            var idx: [Int] = []
            idx.reserveCapacity(outer * inner)
            for o in 0..<outer {
                let base = (o * channels + c) * inner
                for k in 0..<inner { idx.append(base + k) }
            }
            return idx
        }
    }

    /// `quantize_onnx_initializer`: values clipped to the type's full range.
    static func quantize(_ w: Tensor, params: [QuantParameters], dtype: DType, axis: Int?) -> Tensor {
        let values = w.floatValues()
        let range = QuantRange.of(dtype)
        var q = [Int32](repeating: 0, count: values.count)
        if let axis {
            for (c, idx) in slices(w.shape, axis: axis).enumerated() {
                for i in idx { q[i] = QuantizationMath.quantize(values[i], params[c], range) }
            }
        } else {
            for i in values.indices { q[i] = QuantizationMath.quantize(values[i], params[0], range) }
        }
        switch dtype {
        case .int8: return Tensor(shape: w.shape, scalars: q.map { Int8($0) })
        case .uint8: return Tensor(shape: w.shape, scalars: q.map { UInt8($0) })
        default: preconditionFailure("weights are int8 or uint8")
        }
    }

    /// ORT's `_adjust_weight_scale_for_int32_bias`: enlarge a weight scale whose product with the
    /// input scale would push the quantized bias outside int32.
    static func adjustForInt32Bias(inputScale: Float, weightScales: inout [QuantParameters], bias: [Float], perChannel: Bool) {
        let qrange = Double(Int32.max) - Double(Int32.min + 1)
        let epsilon = 1.0001
        if !perChannel {
            guard let first = weightScales.first else { return }
            let rmin = min(Double(bias.min() ?? 0), 0)
            let rmax = max(Double(bias.max() ?? 0), 0)
            let absmax = max(abs(rmin), abs(rmax))
            let smallest = epsilon * (2 * absmax) / qrange
            let candidate = Double(inputScale) * Double(first.scale)
            if candidate < smallest && candidate > 0 {
                weightScales[0].scale = Float(Double(first.scale) * (smallest / candidate))
            }
        } else {
            for i in weightScales.indices where i < bias.count {
                // numpy: float32 |b| doubled and scaled by 1.0001 in float32, then divided in float64.
                let rmax32 = Float(epsilon) * (2 * abs(bias[i]))
                let smallest = Double(rmax32) / qrange
                let candidate = Double(inputScale) * Double(weightScales[i].scale)
                if candidate < smallest && candidate > 0 {
                    weightScales[i].scale = Float(Double(weightScales[i].scale) * (smallest / candidate))
                }
            }
        }
    }

    /// `quantize_bias_static_impl`: scale `input_scale · weight_scale · beta` (float32 product),
    /// `q = round(b / scale)` in float64, clipped to int32.
    static func quantizeBias(_ b: Tensor, inputScale: Float, weightScales: [Float], beta: Float) -> (q: Tensor, scales: [Float]) {
        let values = b.floatValues()
        let scales = weightScales.map { inputScale * $0 * beta }
        var q = [Int32](repeating: 0, count: values.count)
        for i in values.indices {
            let s = scales.count == 1 ? scales[0] : scales[i]
            let v = (Double(values[i]) / Double(s)).rounded(.toNearestOrEven)
            if v.isNaN { continue }
            q[i] = Int32(min(max(v, Double(Int32.min)), Double(Int32.max)))
        }
        return (Tensor(shape: b.shape, scalars: q), scales)
    }
}
