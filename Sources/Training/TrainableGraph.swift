import NN
import TensorCore

/// Reverse-mode differentiation over a ``Graph``: a training forward that records what each
/// backward rule needs, then a backward pass that returns the gradient of every trainable
/// initializer (and, on request, of the graph inputs).
///
/// ```swift
/// let model = try TrainableGraph(graph: g, parameterNames: names, threads: 2)
/// let y = try model.forward(["input": x], training: true)["output"]!
/// let grads = try model.backward(["output": dLoss_dY])   // keyed by parameter name
/// ```
///
/// Batch normalisation uses batch statistics in training mode and updates the running mean and
/// (unbiased) variance initializers with PyTorch's momentum 0.1; `numBatchesTracked` counts steps
/// per BN layer under the `….num_batches_tracked` key PyTorch uses.
public final class TrainableGraph {
    /// The graph being trained (its initializers are the values at construction).
    public let graph: Graph
    /// Trainable initializers, in optimizer order (PyTorch's `model.parameters()` order).
    public let parameterNames: [String]
    /// Workers for batch-parallel convolutions (BLAS runs single-threaded inside them).
    public var threads: Int
    /// PyTorch's BatchNorm momentum: `running = (1 − m)·running + m·batchStatistic`.
    public var batchNormMomentum: Float = 0.1
    /// Steps counted per BatchNorm layer, keyed `<layer>.num_batches_tracked`.
    public internal(set) var numBatchesTracked: [String: Int64] = [:]

    var values: [String: Activation] = [:]
    /// Integer initializers replaced since construction (QAT's zero points of asymmetric weights,
    /// which move with the weights); the rest are read from ``graph``.
    var integerValues: [String: Tensor] = [:]
    var tape: [String: Activation] = [:]
    var savedNormalization: [Int: NormalizationGradients.Saved] = [:]
    var savedArgmax: [Int: [Int32]] = [:]
    var savedMasks: [Int: [Float]] = [:]
    var lastTraining = false
    let scratch = ScratchBuffers()
    var generator: SeededGenerator

    /// - Parameters:
    ///   - parameterNames: trainable initializers in optimizer order; by default every float
    ///     initializer except BatchNorm running statistics, in order of first use.
    ///   - seed: seeds the dropout masks.
    public init(graph: Graph, parameterNames: [String]? = nil, threads: Int = 1, seed: UInt64 = 0) throws {
        self.graph = graph
        self.threads = max(1, threads)
        self.generator = SeededGenerator(seed: seed)
        var buffers = Set<String>()
        for node in graph.nodes {
            if case .batchNorm = node.op, node.inputs.count >= 5 { buffers.insert(node.inputs[3]); buffers.insert(node.inputs[4]) }
        }
        var order: [String] = []
        var seen = Set<String>()
        for node in graph.nodes {
            for name in node.inputs where !name.isEmpty && !seen.contains(name) {
                seen.insert(name)
                if let t = graph.initializers[name], t.dtype.isFloatingPoint, !buffers.contains(name) { order.append(name) }
            }
        }
        let names = parameterNames ?? order
        for name in names {
            guard let t = graph.initializers[name], t.dtype.isFloatingPoint else {
                throw TrainingError.missingValue(name)
            }
            _ = t
        }
        self.parameterNames = names
        for (name, t) in graph.initializers where t.dtype.isFloatingPoint {
            values[name] = Activation(shape: t.shape, data: t.floatValues())
        }
        for node in graph.nodes {
            if case .batchNorm = node.op, node.inputs.count >= 5 {
                let key = Self.trackedKey(runningMean: node.inputs[3])
                let start = graph.initializers[key].map { Int64($0.doubleValues().first ?? 0) } ?? 0
                numBatchesTracked[key] = start
            }
        }
    }

    static func trackedKey(runningMean: String) -> String {
        if runningMean.hasSuffix("running_mean") { return String(runningMean.dropLast("running_mean".count)) + "num_batches_tracked" }
        return runningMean + ".num_batches_tracked"
    }

    /// The current value of an initializer (parameters after optimizer steps, running statistics
    /// after training forwards).
    public func initializer(_ name: String) -> Tensor? {
        if let a = values[name] { return Tensor(shape: a.shape, scalars: a.data) }
        if let n = numBatchesTracked[name] { return Tensor(scalar: n) }
        return integerValues[name] ?? graph.initializers[name]
    }

    /// Replaces an initializer's value (same shape).
    public func setInitializer(_ name: String, _ tensor: Tensor) throws {
        if numBatchesTracked[name] != nil {
            numBatchesTracked[name] = Int64(tensor.doubleValues().first ?? 0)
            return
        }
        if let old = graph.initializers[name], !old.dtype.isFloatingPoint {
            guard old.shape == tensor.shape, old.dtype == tensor.dtype else {
                throw TrainingError.shapeMismatch("\(name): expected \(old.dtype.rawValue) \(old.shape), got \(tensor.dtype.rawValue) \(tensor.shape)")
            }
            integerValues[name] = tensor
            return
        }
        guard let old = values[name] else { throw TrainingError.missingValue(name) }
        guard old.shape == tensor.shape else {
            throw TrainingError.shapeMismatch("\(name): expected shape \(old.shape), got \(tensor.shape)")
        }
        values[name] = Activation(shape: tensor.shape, data: tensor.floatValues())
    }

    /// Current values of the trainable parameters, in ``parameterNames`` order.
    public var parameterValues: [[Float]] {
        get { parameterNames.map { values[$0]!.data } }
        set {
            precondition(newValue.count == parameterNames.count)
            for (i, name) in parameterNames.enumerated() {
                precondition(newValue[i].count == values[name]!.count, "\(name): wrong element count")
                values[name]!.data = newValue[i]
            }
        }
    }

    /// Runs the graph. With `training` true, BatchNorm uses batch statistics (and updates its
    /// running statistics), dropout is active, and the tape for ``backward(_:inputGradients:)`` is kept.
    public func forward(_ inputs: [String: Tensor], training: Bool = true) throws -> [String: Tensor] {
        try forward(activations: inputs.mapValues { Activation(shape: $0.shape, data: $0.floatValues()) }, training: training)
    }

    /// ``forward(_:training:)`` on inputs already in the tape's form (no conversion copy).
    func forward(activations inputs: [String: Activation], training: Bool) throws -> [String: Tensor] {
        releaseTape()
        lastTraining = training
        for info in graph.inputs {
            guard let a = inputs[info.name] else { throw TrainingError.missingValue(info.name) }
            tape[info.name] = a
        }
        for (index, node) in graph.nodes.enumerated() {
            let outputs = try runForward(index: index, node: node, training: training)
            for (name, value) in zip(node.outputs, outputs) { tape[name] = value }
        }
        var result: [String: Tensor] = [:]
        for info in graph.outputs {
            guard let a = tape[info.name] else { throw TrainingError.missingValue(info.name) }
            result[info.name] = Tensor(shape: a.shape, scalars: a.data)
        }
        if !training { releaseTape() }
        return result
    }

    /// Empties the tape, handing its arrays to ``ActivationPool`` for the next step's values.
    func releaseTape() {
        let arrays = tape.values.map(\.data) + savedNormalization.values.map(\.normalized) + Array(savedMasks.values)
        tape = [:]
        savedNormalization = [:]
        savedArgmax = [:]
        savedMasks = [:]
        Self.release(arrays)
    }

    /// Gives arrays to the pool, each buffer once (reshapes share their input's buffer).
    static func release(_ arrays: [[Float]]) {
        var seen = Set<UnsafeRawPointer>()
        for a in arrays {
            guard let base = a.withUnsafeBufferPointer({ $0.baseAddress.map(UnsafeRawPointer.init) }),
                  seen.insert(base).inserted else { continue }
            ActivationPool.shared.give(a)
        }
    }

    func value(_ name: String) throws -> Activation {
        if let a = tape[name] ?? values[name] { return a }
        throw TrainingError.missingValue(name)
    }

    func optionalInput(_ node: Node, _ i: Int) throws -> Activation? {
        i < node.inputs.count && !node.inputs[i].isEmpty ? try value(node.inputs[i]) : nil
    }

    /// Gradients of a scalar loss, given ∂loss/∂output for the graph outputs. Returns one entry per
    /// trainable parameter and, when `inputGradients` is true, per graph input.
    public func backward(_ outputGradients: [String: Tensor], inputGradients: Bool = false) throws -> [String: Tensor] {
        guard lastTraining, !tape.isEmpty else {
            throw TrainingError.invalidArgument("backward needs a preceding forward with training: true")
        }
        var grads: [String: Activation] = [:]
        for (name, t) in outputGradients {
            guard let v = tape[name], v.shape == t.shape else {
                throw TrainingError.shapeMismatch("gradient for \(name): shape \(t.shape) does not match the output")
            }
            grads[name] = Activation(shape: t.shape, data: t.floatValues())
        }
        let wanted = Set(parameterNames).union(inputGradients ? Set(graph.inputs.map(\.name)) : [])
        let needs = gradientFlow(wanted)
        for (index, node) in graph.nodes.enumerated().reversed() {
            let outGrads = node.outputs.map { grads[$0] }
            guard outGrads.contains(where: { $0 != nil }) else { continue }
            let inputNeeds = node.inputs.map { !$0.isEmpty && needs.contains($0) }
            guard inputNeeds.contains(true) else { continue }
            let dy = try outGrads[0] ?? Activation(zeros: value(node.outputs[0]).shape)
            let inGrads = try runBackward(index: index, node: node, dy: dy, needs: inputNeeds)
            // Rules may return gradients of optional inputs the node omits (an InstanceNorm without affine).
            for (i, g) in inGrads.prefix(node.inputs.count).enumerated() {
                guard let g, inputNeeds[i] else { continue }
                let name = node.inputs[i]
                // A backward rule that returns the wrong size is a bug: name it rather than crash.
                let expected = try value(name).data.count
                guard g.data.count == expected else {
                    throw TrainingError.shapeMismatch("node \(node.name) (\(node.op.name)): gradient of input \(i) has \(g.data.count) values, \(name) has \(expected)")
                }
                if var acc = grads.removeValue(forKey: name) {
                    for j in 0..<acc.count { acc.data[j] += g.data[j] }
                    grads[name] = acc
                    Self.release([g.data])
                } else {
                    grads[name] = g
                }
            }
            // This node's output gradients are consumed: recycle them (see ActivationPool).
            Self.release(node.outputs.filter { !wanted.contains($0) }.compactMap { grads.removeValue(forKey: $0)?.data })
        }
        var result: [String: Tensor] = [:]
        for name in wanted {
            let shape = try value(name).shape
            let g = grads[name] ?? Activation(zeros: shape)
            result[name] = Tensor(shape: g.shape, scalars: g.data)
        }
        Self.release(grads.values.map(\.data))
        return result
    }

    /// Values through which a gradient must flow to reach one of `wanted`.
    func gradientFlow(_ wanted: Set<String>) -> Set<String> {
        var needs = wanted
        for node in graph.nodes where node.inputs.contains(where: { needs.contains($0) }) {
            for o in node.outputs { needs.insert(o) }
        }
        return needs
    }
}
