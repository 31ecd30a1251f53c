import Quantization

/// The options `Tools/make_quant_option_fixtures.py` gave ORT, as ours.
enum ORTOptionFixtures {
    /// ORT's `quantize_static` defaults (MinMax, per channel, int8) with `change` applied.
    static func options(_ change: (inout QuantizationOptions) -> Void) -> QuantizationOptions {
        var o = QuantizationOptions()
        change(&o)
        return o
    }

    /// `OVERRIDES_JSON` of the script (the file `tinypulse_overrides_input.json`).
    static let overrides: [String: ActivationOverride] = [
        "input": .range(min: -2.5, max: 3.0, symmetric: nil),
        "/stem/stem.2/Relu_output_0": .parameters(scale: 0.0125, zeroPoint: -128),
        "/block3/block3.2/Relu_output_0": .range(min: 0, max: 1.5, symmetric: true),
    ]
}
