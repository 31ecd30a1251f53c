import NN
import TensorCore
import Testing

@Test func shapeInferenceFollowsConvPoolMeanChain() throws {
    var g = Graph(
        nodes: [
            Node(name: "conv", op: .conv(ConvAttributes(kernel: [3, 3, 3], padsBegin: [1, 1, 1])), inputs: ["input", "w"], outputs: ["c"]),
            Node(name: "pool", op: .avgPool(PoolAttributes(kernel: [1, 2, 2])), inputs: ["c"], outputs: ["p"]),
            Node(name: "mean", op: .reduceMean(axes: [3, 4], keepDims: true), inputs: ["p"], outputs: ["m"]),
            Node(name: "q", op: .quantizeLinear(axis: 1), inputs: ["m", "s", "zp"], outputs: ["mq"]),
            Node(name: "flat", op: .reshape(shape: [1, -1]), inputs: ["mq"], outputs: ["output"]),
        ],
        inputs: [ValueInfo(name: "input", shape: [1, 3, 8, 9, 9])], outputs: [ValueInfo(name: "output", shape: [])],
        initializers: ["w": Tensor(zeros: [4, 3, 3, 3, 3]), "s": Tensor(scalar: Float(0.1)), "zp": Tensor(scalar: Int8(0))])
    try ShapeInference.run(&g)
    #expect(g.valueInfo["c"]?.shape == [1, 4, 8, 9, 9])
    #expect(g.valueInfo["p"]?.shape == [1, 4, 8, 4, 4])
    #expect(g.valueInfo["m"]?.shape == [1, 4, 8, 1, 1])
    #expect(g.valueInfo["mq"]?.dtype == .int8)
    #expect(g.outputs[0].shape == [1, 32])
}

@Test func shapeInferenceNamesTheNodeWhenChannelsDisagree() {
    var g = Graph(
        nodes: [Node(name: "stem", op: .conv(ConvAttributes(kernel: [1, 1])), inputs: ["input", "w"], outputs: ["output"])],
        inputs: [ValueInfo(name: "input", shape: [1, 3, 4, 4])], outputs: [ValueInfo(name: "output", shape: [])],
        initializers: ["w": Tensor(zeros: [2, 5, 1, 1])])
    #expect(throws: ShapeInference.ShapeError.self) { try ShapeInference.run(&g) }
    do { try ShapeInference.run(&g) } catch { #expect("\(error)".contains("stem")) }
}

@Test func convTransposeDoublesTimeLikePhysNetUpsampling() throws {
    let t = ConvTransposeAttributes(conv: ConvAttributes(kernel: [4, 1, 1], stride: [2, 1, 1], padsBegin: [1, 0, 0]))
    var g = Graph(
        nodes: [Node(name: "up", op: .convTranspose(t), inputs: ["input", "w"], outputs: ["output"])],
        inputs: [ValueInfo(name: "input", shape: [1, 64, 32, 1, 1])], outputs: [ValueInfo(name: "output", shape: [])],
        initializers: ["w": Tensor(zeros: [64, 64, 4, 1, 1])])
    try ShapeInference.run(&g)
    #expect(g.outputs[0].shape == [1, 64, 64, 1, 1])
}
