import TensorCore

extension GraphPasses {
    /// Gives every InstanceNormalization without affine parameters (PyTorch's default
    /// `InstanceNorm3d(affine=False)`) explicit ones and zeros as initializers `NODE_gamma` and
    /// `NODE_beta`, as ONNX requires them and torch.onnx writes them. Run by the ONNX writer and by
    /// QDQ insertion, so that our QDQ graph quantizes them as quantize_static does the exported
    /// file (scale as a per-tensor weight, bias as int32). Not `NODE_scale`: that is the name ORT's
    /// quantizer gives the scale of the node's output, and a clash makes quantize_static read ours.
    public static func materializeInstanceNormAffine(_ g: Graph) throws -> Graph {
        guard g.nodes.contains(where: { if case .instanceNorm = $0.op { return $0.inputs.count < 3 }; return false }) else { return g }
        var shapes = g
        if g.nodes.contains(where: { g.valueInfo[$0.inputs.first ?? ""] == nil }) { try ShapeInference.run(&shapes) }
        var out = g
        for (i, node) in g.nodes.enumerated() {
            guard case .instanceNorm = node.op, node.inputs.count < 3 else { continue }
            guard let x = shapes.valueInfo[node.inputs[0]]?.shape, x.count >= 2 else {
                throw ShapeInference.ShapeError(node: node.name, op: node.op.name, message: "InstanceNormalization needs its input's shape")
            }
            let (gamma, beta) = ("\(node.name)_gamma", "\(node.name)_beta")
            out.initializers[gamma] = Tensor(shape: [x[1]], scalars: [Float](repeating: 1, count: x[1]))
            out.initializers[beta] = Tensor(shape: [x[1]], scalars: [Float](repeating: 0, count: x[1]))
            out.nodes[i].inputs = [node.inputs[0], gamma, beta]
            for name in [gamma, beta] { out.valueInfo[name] = ValueInfo(name: name, shape: [x[1]]) }
        }
        return out
    }
}
