import Foundation
import Testing
import Quantization
@testable import Workflow

/// `rppg quantize --overrides FILE`: ORT's TensorQuantOverrides JSON, and clear errors on bad files.
@Suite struct QuantizeOverridesTests {
    func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("overrides-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func readsTheFormORTTakes() throws {
        // The file Tools/make_quant_option_fixtures.py hands to ORT (tinypulse_overrides_input.json).
        let url = try write("""
            {"/block3/block3.2/Relu_output_0": [{"rmax": 1.5, "rmin": 0.0, "symmetric": true}],
             "/stem/stem.2/Relu_output_0": [{"scale": 0.0125, "zero_point": -128}],
             "input": [{"rmax": 3.0, "rmin": -2.5}]}
            """)
        let o = try QuantizeModel.loadOverrides(url).activations
        #expect(o["input"] == .range(min: -2.5, max: 3.0, symmetric: nil))
        #expect(o["/stem/stem.2/Relu_output_0"] == .parameters(scale: 0.0125, zeroPoint: -128))
        #expect(o["/block3/block3.2/Relu_output_0"] == .range(min: 0, max: 1.5, symmetric: true))
    }

    @Test(arguments: [
        ("[1, 2]", "JSON object"),
        ("{\"x\": {\"scale\": 1}}", "list of one object"),
        ("{\"x\": [{\"scale\": 0.1}]}", "both scale and an integer zero_point"),
        ("{\"x\": [{\"quant_type\": \"QUInt8\"}]}", "use \"QInt16\""),
        ("{\"x\": [{\"quant_type\": 5}]}", "quant_type 5"),
        ("{\"x\": [{\"scale\": 0.1, \"zero_point\": 0, \"reduce_range\": true}]}", "'reduce_range'"),
        ("{\"x\": [{\"rmin\": 2, \"rmax\": 1}]}", "above rmax"),
        ("{\"x\": [{\"symmetric\": 1}]}", "true or false"),
        ("{\"x\": [{\"rmin\": \"low\"}]}", "wrong type"),
    ])
    func badFilesSayWhatIsWrong(_ text: String, _ expected: String) throws {
        let url = try write(text)
        do {
            _ = try QuantizeModel.loadOverrides(url)
            Issue.record("no error for \(text)")
        } catch let e as CalibrationData.FileError {
            #expect(e.description.contains(url.path) && e.description.contains(expected), "\(e.description)")
        }
    }

    /// ORT's `quant_type` per tensor, as `Tools/make_quant_option_fixtures.py` gives ORT for its
    /// `int16_act` config (ORT's QuantType names as strings): QInt16 joins the `--int16` set, the
    /// activation type itself changes nothing, and a range or scale beside it still applies.
    @Test func quantTypeQInt16MakesTheTensor16Bit() throws {
        let url = try write("""
            {"input": [{"quant_type": "QInt16"}],
             "/stem/stem.2/Relu_output_0": [{"quant_type": "QInt16", "rmin": 0.0, "rmax": 4.0}],
             "/block2/block2.2/Relu_output_0": [{"quant_type": "QInt8", "scale": 0.02, "zero_point": -128}]}
            """)
        let o = try QuantizeModel.loadOverrides(url)
        #expect(o.int16 == ["input", "/stem/stem.2/Relu_output_0"])
        #expect(o.activations == ["/stem/stem.2/Relu_output_0": .range(min: 0, max: 4, symmetric: nil),
                                  "/block2/block2.2/Relu_output_0": .parameters(scale: 0.02, zeroPoint: -128)])
        var options = QuantizationOptions()
        options.int16Activations = ["other"]
        o.apply(to: &options)
        #expect(options.int16Activations == ["other", "input", "/stem/stem.2/Relu_output_0"])
        #expect(options.overrides == o.activations)
        // With uint8 activations, QInt8 is a type change this quantizer does not make.
        #expect(throws: CalibrationData.FileError.self) {
            try QuantizeModel.loadOverrides(try write("{\"x\": [{\"quant_type\": \"QInt8\"}]}"), activationType: .uint8)
        }
    }

    @Test func missingFileNamesIt() throws {
        let url = URL(fileURLWithPath: "/nonexistent/overrides.json")
        #expect(throws: CalibrationData.FileError.self) { try QuantizeModel.loadOverrides(url) }
    }
}
