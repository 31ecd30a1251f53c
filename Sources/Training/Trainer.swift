import NN
import TensorCore

/// Which loss drives training.
public enum LossKind: String, Sendable, CaseIterable, Codable {
    /// rPPG-Toolbox's `Neg_Pearson` (PhysNet-style).
    case negativePearson = "neg_pearson"
    /// Mean squared error against the label waveform.
    case meanSquaredError = "mse"
}

/// Hyperparameters of one training run (rPPG-Toolbox's recipe by default: Adam, OneCycle to
/// `learningRate`, Neg-Pearson).
public struct TrainerConfiguration: Sendable, Equatable {
    public var batchSize: Int = 4
    public var learningRate: Double = 1e-3
    public var weightDecay: Double = 0
    public var loss: LossKind = .negativePearson
    /// Global gradient-norm clipping; nil disables it.
    public var maxGradientNorm: Double? = nil
    public var threads: Int = 1
    public var seed: UInt64 = 0
    /// Total epochs of the OneCycle schedule.
    public var epochs: Int = 30

    public init() {}
}

/// Trains a graph-IR model on clips held in memory: seeded shuffling, mini-batches, Adam with a
/// OneCycle schedule (β₁ cycled as PyTorch does), BatchNorm statistics, and evaluation-mode
/// prediction. The state (``state``) uses PyTorch's state-dict keys and order.
public final class Trainer {
    /// Builds the model graph for a batch size from the current initializers.
    public typealias GraphFactory = (_ batch: Int, _ initializers: [String: Tensor]) throws -> Graph

    public let configuration: TrainerConfiguration
    /// All state-dict keys in PyTorch's order (parameters and buffers).
    public let keys: [String]
    /// Trainable keys in `model.parameters()` order.
    public let parameterNames: [String]
    public var optimizer: Adam
    /// Optimizer steps taken so far (drives the schedule).
    public var globalStep: Int = 0
    public let schedule: OneCycleSchedule

    /// Sets initializers that are functions of the parameters, before every forward (training and
    /// prediction), after the state is loaded: quantization-aware training recomputes the weights'
    /// scales from the current weights here. They are not state and not trained.
    public var refreshDerived: ((TrainableGraph) throws -> Void)?

    /// Parameters the graph holds in another linear form than the state (PhysFormer's CDC_T convs,
    /// the central difference folded into the centre tap), by key: the state and the optimizer keep
    /// the state dict's value, the graph gets its image, and the gradient comes back through the
    /// transpose, so that the steps are those of the state dict's parameters.
    public var reparameterizations: [String: LinearReparameterization] = [:]

    /// Makes the model input of clips `indices` of a `[N, C, T, H, W]` tensor: `(shape, values)`.
    public typealias BatchInput = (_ clips: Tensor, _ indices: [Int]) -> (shape: [Int], values: [Float])
    /// How a batch of clips becomes the model's input; nil: the clips as they are. Frame models
    /// (rPPG-Toolbox's DeepPhys, TS-CAN, EfficientPhys) take them as frame rows `[n·T (+1), C, H, W]`
    /// and give `[n·T, 1]`, which the loss and ``predict(clips:indices:)`` read as `[n, T]`.
    public var batchInput: BatchInput?
    /// Clips per prediction pass when not ``TrainerConfiguration/batchSize``: 1 for EfficientPhys,
    /// whose extra frame must be the clip's own for a prediction to be that of `rppg verify`.
    public var predictionBatchSize: Int?

    var state: [String: Tensor]
    let makeGraph: GraphFactory
    var graphs: [Int: TrainableGraph] = [:]

    /// - Parameters:
    ///   - initialState: every state-dict entry in PyTorch order (from ``ParameterInitialization`` or a checkpoint).
    ///   - stepsPerEpoch: optimizer steps in one epoch, for the OneCycle schedule.
    public init(initialState: [(key: String, tensor: Tensor)], configuration: TrainerConfiguration, stepsPerEpoch: Int,
                makeGraph: @escaping GraphFactory) {
        self.configuration = configuration
        self.keys = initialState.map(\.key)
        self.parameterNames = initialState.map(\.key).filter { key in
            !(key.hasSuffix("running_mean") || key.hasSuffix("running_var") || key.hasSuffix("num_batches_tracked"))
        }
        self.state = Dictionary(initialState.map { ($0.key, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        self.makeGraph = makeGraph
        let sizes = parameterNames.map { name in initialState.first { $0.key == name }!.tensor.elementCount }
        self.optimizer = Adam(parameterCounts: sizes, learningRate: configuration.learningRate,
                              weightDecay: configuration.weightDecay)
        self.schedule = OneCycleSchedule(maxLearningRate: configuration.learningRate,
                                         totalSteps: max(1, configuration.epochs * stepsPerEpoch))
    }

    /// The current state dict, in PyTorch key order (BN `num_batches_tracked` as 0-dim int64).
    public var stateDict: [(key: String, tensor: Tensor)] { keys.map { ($0, state[$0]!) } }

    /// Replaces state entries (e.g. when resuming); shapes must match.
    public func load(_ entries: [(key: String, tensor: Tensor)]) throws {
        for (key, t) in entries {
            guard let old = state[key] else { throw TrainingError.missingValue(key) }
            guard old.shape == t.shape else { throw TrainingError.shapeMismatch("\(key): expected \(old.shape), got \(t.shape)") }
            state[key] = old.dtype == .int64 ? t : t.toFloat32()
        }
        graphs = [:]
    }

    func graph(batch: Int) throws -> TrainableGraph {
        let g: TrainableGraph
        if let cached = graphs[batch] {
            g = cached
        } else {
            var inits: [String: Tensor] = [:]
            for key in keys { inits[key] = state[key] }
            g = try TrainableGraph(graph: try makeGraph(batch, inits), parameterNames: parameterNames,
                                   threads: configuration.threads, seed: configuration.seed &+ UInt64(batch))
            graphs[batch] = g
        }
        // The graph may leave out keys it does not use (num_batches_tracked): set only what it knows.
        for key in keys where g.initializer(key) != nil || g.numBatchesTracked[key] != nil {
            let value = state[key]!
            try g.setInitializer(key, reparameterizations[key].map { Tensor(shape: value.shape, scalars: $0.forward(value.floatValues())) } ?? value)
        }
        try refreshDerived?(g)
        return g
    }

    func pull(_ g: TrainableGraph) {
        for key in keys where !key.hasSuffix("num_batches_tracked") && reparameterizations[key] == nil {
            if let t = g.initializer(key) { state[key] = t }
        }
        for (key, n) in g.numBatchesTracked where state[key] != nil { state[key] = Tensor(scalar: n) }
    }

    /// The seeded order of `indices` for `epoch` (Fisher–Yates with ``SeededGenerator``).
    public func shuffled(_ indices: [Int], epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: configuration.seed &* 1_000_003 &+ UInt64(epoch))
        var a = indices
        if a.count > 1 {
            for i in stride(from: a.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                a.swapAt(i, j)
            }
        }
        return a
    }

    /// One optimizer step on a batch; returns the loss.
    @discardableResult
    public func step(clips: Tensor, labels: Tensor) throws -> Double {
        try step(Batch(clips: clips, labels: labels, indices: Array(0..<clips.shape[0]), input: batchInput))
    }

    func step(_ batch: Batch) throws -> Double {
        let g = try graph(batch: batch.clipCount)
        guard let y = try g.forward(activations: [g.graph.inputs[0].name: batch.clips], training: true)[g.graph.outputs[0].name]
        else { throw TrainingError.missingValue("output") }
        // The loss sees one waveform per clip, `[n, T]`, whether the model gives `[n, T]` or one
        // row per frame `[n·T, 1]` (the toolbox's `labels.view(-1, 1)` holds the same values in the same order).
        let n = batch.clipCount
        guard y.elementCount == batch.labels.elementCount, y.elementCount % n == 0 else {
            throw TrainingError.shapeMismatch("model output \(y.shape) does not hold the labels \(batch.labels.shape)")
        }
        let waveforms = [n, y.elementCount / n]
        let target = batch.labels.toFloat32().reshaped(waveforms)
        let (loss, dWaveforms) = configuration.loss == .negativePearson
            ? try Loss.negativePearson(predictions: y.reshaped(waveforms), labels: target)
            : try Loss.meanSquaredError(predictions: y.reshaped(waveforms), labels: target)
        guard loss.isFinite else { throw TrainingError.invalidArgument("the training loss became \(loss) at step \(globalStep)") }
        let grads = try g.backward([g.graph.outputs[0].name: dWaveforms.reshaped(y.shape)])
        var gradientValues = parameterNames.map { name in reparameterizations[name].map { $0.transpose(grads[name]!.floatValues()) }
            ?? grads[name]!.floatValues() }
        if let maxNorm = configuration.maxGradientNorm { clipGradientNorm(&gradientValues, maxNorm: maxNorm) }
        let (lr, momentum) = schedule.values(at: globalStep)
        optimizer.learningRate = lr
        optimizer.beta1 = momentum
        var params = g.parameterValues
        let mapped = parameterNames.indices.filter { reparameterizations[parameterNames[$0]] != nil }
        for i in mapped { params[i] = state[parameterNames[i]]!.floatValues() }
        optimizer.step(parameters: &params, gradients: gradientValues)
        for i in mapped {
            let name = parameterNames[i]
            state[name] = Tensor(shape: state[name]!.shape, scalars: params[i])
            params[i] = reparameterizations[name]!.forward(params[i])
        }
        g.parameterValues = params
        globalStep += 1
        pull(g)
        return loss
    }

    /// One epoch over `indices` in seeded order; `progress(done, total, meanLoss)` after each batch.
    /// Returns the mean training loss.
    public func trainEpoch(clips: Tensor, labels: Tensor, indices: [Int], epoch: Int,
                           progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> Double {
        let order = shuffled(indices, epoch: epoch)
        let b = max(1, configuration.batchSize)
        let batches = (order.count + b - 1) / b
        var total = 0.0
        // Batch k + 1 is gathered on another thread while step k runs.
        let prefetcher = BatchPrefetcher { k in
            Batch(clips: clips, labels: labels, indices: Array(order[(k * b)..<min(order.count, (k + 1) * b)]), input: self.batchInput)
        }
        if batches > 0 { prefetcher.start(0) }
        for k in 0..<batches {
            let batch = prefetcher.take()
            if k + 1 < batches { prefetcher.start(k + 1) }
            total += try step(batch)
            progress(k + 1, batches, total / Double(k + 1))
        }
        return batches > 0 ? total / Double(batches) : 0
    }

    /// Predictions in evaluation mode (running BatchNorm statistics, no dropout), one waveform per index.
    public func predict(clips: Tensor, indices: [Int]) throws -> [[Float]] {
        let b = max(1, predictionBatchSize ?? configuration.batchSize)
        var out: [[Float]] = []
        var k = 0
        while k < indices.count {
            let part = Array(indices[k..<min(indices.count, k + b)])
            let g = try graph(batch: part.count)
            let x = batchInput.map { input in input(clips, part) }.map { Activation(shape: $0.shape, data: $0.values) }
                ?? Batch.gather(clips, part)
            guard let y = try g.forward(activations: [g.graph.inputs[0].name: x], training: false)[g.graph.outputs[0].name]
            else { throw TrainingError.missingValue("output") }
            let v = y.floatValues()
            let t = v.count / part.count
            for i in 0..<part.count { out.append(Array(v[(i * t)..<((i + 1) * t)])) }
            k += b
        }
        return out
    }
}

/// A linear map from a state-dict parameter to the value the graph binds under its key, with its
/// transpose, which takes the graph's gradient back to the parameter's (``Trainer/reparameterizations``).
public struct LinearReparameterization {
    /// The graph's value of the parameter's values.
    public var forward: ([Float]) -> [Float]
    /// The parameter's gradient of the graph value's gradient: the transpose of ``forward``.
    public var transpose: ([Float]) -> [Float]

    public init(forward: @escaping ([Float]) -> [Float], transpose: @escaping ([Float]) -> [Float]) {
        self.forward = forward
        self.transpose = transpose
    }
}
