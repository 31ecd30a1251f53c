import Foundation
import Testing
import NN
import TensorCore
@testable import Quantization

/// Calibrating through the whole FP32 graph (calibrated values as extra outputs) sees the same
/// values as running it node by node: identical ranges, identical report.
@Suite struct WholeGraphCalibrationTests {
    @Test(arguments: ["tinypulse", "miniphysnet"])
    func wholeGraphEqualsNodeByNode(_ model: String) throws {
        let fp32 = try ORTFixture.fp32Graph(model)
        let clips = Array(try ORTFixture.clips(model).prefix(4))
        var options = QuantizationOptions()
        options.threads = 2
        let factory = FP32Runner.factory(threads: 1)
        let nodeByNode = try QDQQuantizer.quantize(fp32, clipCount: clips.count, clip: { clips[$0] }, options: options,
                                                   runner: factory, reportClipLimit: 3)
        let whole = try QDQQuantizer.quantize(fp32, clipCount: clips.count, clip: { clips[$0] }, options: options,
                                              runner: factory, reportClipLimit: 3, wholeGraph: factory)
        #expect(whole.ranges == nodeByNode.ranges)
        #expect(whole.graph.initializers == nodeByNode.graph.initializers)
        #expect(whole.layerReport == nodeByNode.layerReport)

        // Value by value.
        let names = QDQRule.tensorsToCalibrate(fp32)
        let tapped = try TappedGraph(graph: fp32, taps: names, factory: factory)
        let interpreter = NodeInterpreter(graph: fp32, factory: factory)
        var a: [String: Tensor] = [:], b: [String: Tensor] = [:]
        let input = fp32.inputs[0].name
        _ = try tapped.runTapped([input: clips[0]]) { a[$0] = $1 }
        _ = try interpreter.runTapped([input: clips[0]]) { if names.contains($0) { b[$0] = $1 } }
        #expect(Set(a.keys) == Set(names))
        for name in names { #expect(a[name] == b[name], "\(name)") }
    }
}
