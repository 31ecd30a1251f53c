import Foundation
import TensorCore
import TorchIO
import Training

/// The training checkpoint format `rppg train` writes and resumes from:
/// `{'model_state_dict', 'optimizer_state_dict', 'epoch', 'val_mae', 'config'}`, with the
/// optimizer state in PyTorch's `optimizer.state_dict()` layout so that
/// `torch.optim.Adam(...).load_state_dict(ckpt['optimizer_state_dict'])` accepts it.
public enum TrainCheckpoint {
    /// `optimizer.state_dict()` of an Adam optimizer driven by OneCycleLR.
    public static func optimizerStateDict(_ adam: Adam, shapes: [[Int]], schedule: OneCycleSchedule) -> PickleValue {
        var state: [PickleDictEntry] = []
        for i in adam.steps.indices where adam.steps[i] > 0 {
            let entry = PickleValue.stringDict([
                ("step", .tensor(Tensor(scalar: Float(adam.steps[i])))),
                ("exp_avg", .tensor(Tensor(shape: shapes[i], scalars: adam.expAvg[i]))),
                ("exp_avg_sq", .tensor(Tensor(shape: shapes[i], scalars: adam.expAvgSq[i]))),
            ])
            state.append(PickleDictEntry(key: .int(Int64(i)), value: entry))
        }
        let group = PickleValue.stringDict([
            ("lr", .float(adam.learningRate)),
            ("betas", .tuple([.float(adam.beta1), .float(adam.beta2)])),
            ("eps", .float(adam.epsilon)),
            ("weight_decay", adam.weightDecay == 0 ? .int(0) : .float(adam.weightDecay)),
            ("amsgrad", .bool(false)), ("maximize", .bool(false)), ("foreach", .none), ("capturable", .bool(false)),
            ("differentiable", .bool(false)), ("fused", .none), ("decoupled_weight_decay", .bool(adam.decoupledWeightDecay)),
            ("initial_lr", .float(schedule.initialLearningRate)), ("max_lr", .float(schedule.maxLearningRate)),
            ("min_lr", .float(schedule.minLearningRate)), ("max_momentum", .float(schedule.maxMomentum)),
            ("base_momentum", .float(schedule.baseMomentum)),
            ("params", .list(adam.steps.indices.map { .int(Int64($0)) })),
        ])
        return .stringDict([("state", .dict(state)), ("param_groups", .list([group]))])
    }

    /// Restores Adam's moments and step counts from an `optimizer.state_dict()`.
    public static func restore(_ adam: inout Adam, from value: PickleValue, shapes: [[Int]], source: String) throws {
        func bad(_ what: String) -> TorchIOError {
            TorchIOError(path: source, problem: "optimizer_state_dict \(what)",
                         advice: "resume from a last_model.pth written by rppg train, or start without --resume")
        }
        guard let state = value["state"], case .dict(let entries) = state else { throw bad("has no 'state' dict") }
        for entry in entries {
            guard case .int(let k) = entry.key, k >= 0, Int(k) < shapes.count else { throw bad("has a parameter index outside the model") }
            let i = Int(k)
            let count = shapes[i].reduce(1, *)
            guard let step = entry.value["step"]?.doubleValue, step >= 0,
                  let m = entry.value["exp_avg"]?.tensor, let v = entry.value["exp_avg_sq"]?.tensor,
                  m.elementCount == count, v.elementCount == count
            else { throw bad("entry \(i) is not Adam state for a parameter of shape \(shapes[i])") }
            adam.steps[i] = step
            adam.expAvg[i] = m.floatValues()
            adam.expAvgSq[i] = v.floatValues()
        }
        if let group = value["param_groups"], case .list(let groups) = group, let g = groups.first {
            if let lr = g["lr"]?.doubleValue { adam.learningRate = lr }
            if let betas = g["betas"], case .tuple(let b) = betas, b.count == 2,
               let b1 = b[0].doubleValue, let b2 = b[1].doubleValue {
                adam.beta1 = b1
                adam.beta2 = b2
            }
        }
    }

    /// The whole checkpoint value (plus `val_loss`, the validation loss that breaks MAE ties on resume).
    public static func value(stateDict: [(key: String, tensor: Tensor)], optimizer: PickleValue, epoch: Int,
                             valMAE: Double, valLoss: Double, config: [(String, PickleValue)]) -> PickleValue {
        .stringDict([
            ("model_state_dict", StateDict(stateDict).pickleValue),
            ("optimizer_state_dict", optimizer),
            ("epoch", .int(Int64(epoch))),
            ("val_mae", .float(valMAE)),
            ("val_loss", .float(valLoss)),
            ("config", .stringDict(config)),
        ])
    }
}
