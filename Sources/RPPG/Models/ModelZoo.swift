import NN
import TensorCore
import TorchIO

/// The models the workflow knows by name.
public enum ZooArchitecture: String, CaseIterable, Sendable {
    case tinyPulse = "tinypulse"
    case physNet = "physnet"
    case factorizePhys = "factorizephys"
    case tinyPulse2D = "tinypulse2d"
    // TS-CAN before DeepPhys: their state dicts are key-for-key identical, and `detect` names
    // the first that fits (TS-CAN, the toolbox's more used one) with the other in `alsoFits`.
    case tsCAN = "tscan"
    case deepPhys = "deepphys"
    case efficientPhys = "efficientphys"
    case iBVPNet = "ibvpnet"
    case physFormer = "physformer"

    /// Display name.
    public var displayName: String {
        switch self {
        case .tinyPulse: return "TinyPulse"
        case .physNet: return "PhysNet (rPPG-Toolbox PhysNet_padding_Encoder_Decoder_MAX)"
        case .factorizePhys: return "FactorizePhys (rPPG-Toolbox, FSAM off)"
        case .tinyPulse2D: return "TinyPulse2D (2-D operators only, for the STM32N6 NPU)"
        case .deepPhys: return "DeepPhys (rPPG-Toolbox)"
        case .tsCAN: return "TS-CAN (rPPG-Toolbox TSCAN, frame_depth 10)"
        case .efficientPhys: return "EfficientPhys (rPPG-Toolbox, frame_depth 10)"
        case .iBVPNet: return "iBVPNet (rPPG-Toolbox, RGB)"
        case .physFormer: return "PhysFormer (rPPG-Toolbox ViT_ST_ST_Compact3_TDC_gra_sharp)"
        }
    }

    /// How the model takes a clip of N × T frames.
    public var inputLayout: ZooInputLayout {
        switch self {
        case .tinyPulse, .physNet, .factorizePhys, .tinyPulse2D, .iBVPNet, .physFormer: return .clips
        case .deepPhys, .tsCAN: return .frames(channels: 6, extraFrame: false)
        case .efficientPhys: return .frames(channels: 3, extraFrame: true)
        }
    }
}

/// A zoo model's input and output layout.
public enum ZooInputLayout: Sendable, Equatable {
    /// Clips `[N, 3, T, H, W]` in, `[N, T]` out (TinyPulse, PhysNet, FactorizePhys, TinyPulse2D, iBVPNet).
    case clips
    /// Frames as rows, `[N·T, channels, H, W]` in, `[N·T, 1]` out, as rPPG-Toolbox feeds its 2-D
    /// models. DeepPhys and TS-CAN: 6 channels, DiffNormalized (0–2) then Standardized (3–5).
    /// EfficientPhys (`extraFrame`): N·T + 1 Standardized frames, the last one a copy of the one
    /// before (the toolbox trainer appends it), because the model differences them itself.
    case frames(channels: Int, extraFrame: Bool)
}

/// What `ModelZoo.detect` found: the architecture, the hyper-parameters the weights imply, and
/// keys present in the checkpoint that the inference graph does not use (FactorizePhys's FSAM).
public struct ArchitectureMatch: Sendable, Equatable {
    public var architecture: ZooArchitecture
    public var hyperparameters: [String: String]
    public var unusedKeys: [String]
    /// Other zoo models with exactly the same keys and shapes (DeepPhys for a TS-CAN state dict
    /// and vice versa): the weights alone cannot tell them apart; `--model` chooses.
    public var alsoFits: [ZooArchitecture] = []
}

/// A checkpoint that fits no zoo model, with the closest one and how it differs.
public struct ArchitectureMismatch: UserFacingError {
    public var closest: ZooArchitecture
    public var difference: ParameterDifference
    public var description: String {
        "The checkpoint fits no known model (\(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", "))). "
            + "Closest: \(closest.rawValue), "
            + "with \(difference.count) differing keys — " + difference.description.dropFirst("The weights do not fit the model: ".count)
            + " Pass --model to force one, or check that the file is a checkpoint of a zoo model."
    }
}

/// The model zoo: definitions key for key with their PyTorch originals (Tools/pytorch_zoo.py),
/// architecture detection and strict weight binding.
public enum ModelZoo {
    /// T of one clip by default: 128 for TinyPulse and PhysNet, 160 for FactorizePhys and iBVPNet
    /// (the toolbox's CHUNK_LENGTH and FRAME_NUM for both), 180 (the
    /// toolbox's chunk length, a multiple of the TSM's 10) for DeepPhys, TS-CAN and EfficientPhys.
    public static func defaultFrames(_ a: ZooArchitecture) -> Int {
        switch a {
        case .tinyPulse, .physNet, .tinyPulse2D: return 128
        case .factorizePhys, .iBVPNet, .physFormer: return 160
        case .deepPhys, .tsCAN, .efficientPhys: return 180
        }
    }

    /// Frame side in pixels: 36 for TinyPulse and TinyPulse2D, 72 for the others (DeepPhys, TS-CAN
    /// and EfficientPhys checkpoints may also be 36: `detect` reads it off `final_dense_1`).
    /// PhysFormer: 128, the toolbox's (its forward fixes a 4×4 token grid, so 32 × the patch size).
    public static func inputSize(_ a: ZooArchitecture) -> Int {
        switch a {
        case .tinyPulse, .tinyPulse2D: return 36
        case .physFormer: return PhysFormerModel.Config().inputSize
        default: return 72
        }
    }

    /// The frame side a checkpoint's weights imply (DeepPhys, TS-CAN and EfficientPhys: read off
    /// `final_dense_1`; PhysFormer: its patch size), else ``inputSize(_:)``.
    public static func inputSize(_ a: ZooArchitecture, stateDict: StateDict) -> Int {
        inputSize(a, weights(stateDict).mapValues(\.shape))
    }

    /// The frame sides DeepPhys, TS-CAN and EfficientPhys are defined for (their dense layer's
    /// width depends on it): 36, 72, 96, 128.
    public static let frameModelSizes = CANModel.sizes

    /// TS-CAN's and EfficientPhys's temporal-shift segment (the toolbox configs' FRAME_DEPTH):
    /// N·T must be a multiple of it.
    public static let frameDepth = 10

    /// The graph input's shape for N clips of T frames of side `size`.
    public static func inputShape(_ a: ZooArchitecture, batch: Int, frames: Int, size: Int) -> [Int] {
        switch a.inputLayout {
        case .clips: return [batch, 3, frames, size, size]
        case .frames(let c, let extra): return [batch * frames + (extra ? 1 : 0), c, size, size]
        }
    }

    /// The frame side a checkpoint implies: read off `final_dense_1` for the frame models.
    static func inputSize(_ a: ZooArchitecture, _ shapes: [String: [Int]]) -> Int {
        if a == .physFormer { return PhysFormerModel.Config(shapes: shapes).inputSize }
        guard a.inputLayout != .clips, let w = shapes["final_dense_1.weight"], w.count == 2,
              let s = CANModel.size(denseInputs: w[1]) else { return inputSize(a) }
        return s
    }

    /// Every key the state dict holds (parameters and BatchNorm buffers, with
    /// `num_batches_tracked` as `[]`), in PyTorch's order. FactorizePhys's FSAM keys are not
    /// included: they are optional and reported as unused.
    public static func parameterShapes(_ a: ZooArchitecture) -> [(key: String, shape: [Int])] {
        parameterShapes(a, inputSize: inputSize(a))
    }

    /// The state dict's keys for frames of side `size` (only the frame models' dense layer depends on it).
    /// `shapes`: a checkpoint's, for the models whose widths and depth are read off it (PhysFormer).
    public static func parameterShapes(_ a: ZooArchitecture, inputSize size: Int,
                                       shapes implied: [String: [Int]] = [:]) -> [(key: String, shape: [Int])] {
        let frames = a.inputLayout == .clips ? defaultFrames(a) : frameDepth
        let b = (try? trace(a, batch: 1, frames: frames, size: size, shapes: implied).builder) ?? GraphBuilder()
        let shapes = b.parameters.map { ($0.key, $0.shape) }
        if a == .physFormer {
            let byKey = Dictionary(uniqueKeysWithValues: shapes)
            return PhysFormerModel.pytorchOrder(shapes.map(\.0)).map { ($0, byKey[$0]!) }
        }
        guard a.inputLayout != .clips else { return shapes }
        let order = CANModel.pytorchOrder(shapes.map(\.0))
        let byKey = Dictionary(uniqueKeysWithValues: shapes)
        return order.map { ($0, byKey[$0]!) }
    }

    /// Keys a checkpoint may hold that inference does not use.
    public static func optionalKeys(_ a: ZooArchitecture) -> [(key: String, shape: [Int])] {
        a == .factorizePhys ? FactorizePhysModel.fsamKeys : []
    }

    static func layer(_ a: ZooArchitecture, frames: Int, size: Int, shapes: [String: [Int]] = [:]) -> Layer {
        switch a {
        case .tinyPulse: return TinyPulseModel()
        case .physNet: return PhysNetModel(frames: frames)
        case .factorizePhys: return FactorizePhysModel()
        case .tinyPulse2D: return TinyPulse2DModel()
        case .deepPhys: return CANModel(variant: .deepPhys, size: size, frameDepth: frameDepth)
        case .tsCAN: return CANModel(variant: .tsCAN, size: size, frameDepth: frameDepth)
        case .efficientPhys: return CANModel(variant: .efficientPhys, size: size, frameDepth: frameDepth)
        case .iBVPNet: return IBVPNetModel()
        case .physFormer: return PhysFormerModel(config: PhysFormerModel.Config(shapes: shapes))
        }
    }

    static func trace(_ a: ZooArchitecture, batch: Int, frames: Int, size: Int,
                      shapes: [String: [Int]] = [:]) throws -> (builder: GraphBuilder, output: String) {
        if a == .tsCAN || a == .efficientPhys, (batch * frames) % frameDepth != 0 {
            throw ZooShapeError(message: "\(a.rawValue) shifts features within segments of \(frameDepth) frames: "
                                + "N·T = \(batch)·\(frames) must be a multiple of \(frameDepth).")
        }
        let b = GraphBuilder()
        let x = b.input("input", shape: inputShape(a, batch: batch, frames: frames, size: size))
        let y = try layer(a, frames: frames, size: size, shapes: shapes).trace(x, in: b)
        return (b, y)
    }

    /// The state dict as a key → tensor map, with a DataParallel `module.` prefix removed.
    static func weights(_ sd: StateDict) -> [String: Tensor] {
        let plain = sd.strippingPrefix("module.") ?? sd
        var out: [String: Tensor] = [:]
        for (k, t) in plain.entries { out[k] = t }
        return out
    }

    static func difference(_ a: ZooArchitecture, _ shapes: [String: [Int]]) -> ParameterDifference {
        let declared = parameterShapes(a, inputSize: inputSize(a, shapes), shapes: shapes).map { GraphBuilder.Parameter(key: $0.key, shape: $0.shape, used: true) }
        var diff = ParameterDifference(declared: declared, weights: shapes,
                                       allowedExtra: Set(optionalKeys(a).map(\.key)))
        for (k, s) in optionalKeys(a) where shapes[k] != nil && shapes[k] != s {
            diff.misshaped.append((k, s, shapes[k]!))
        }
        return diff
    }

    /// Names the zoo model the checkpoint fits (keys and shapes), the hyper-parameters it implies,
    /// and keys it holds that inference does not use. Throws `ArchitectureMismatch` naming the
    /// closest model and every differing key when none fits.
    public static func detect(_ stateDict: StateDict) throws -> ArchitectureMatch {
        let w = weights(stateDict)
        let shapes = w.mapValues(\.shape)
        var best: (ZooArchitecture, ParameterDifference)?
        var fits: [ZooArchitecture] = []
        for a in ZooArchitecture.allCases {
            let d = difference(a, shapes)
            if d.isEmpty { fits.append(a) }
            if best == nil || d.count < best!.1.count { best = (a, d) }
        }
        guard let a = fits.first else { throw ArchitectureMismatch(closest: best!.0, difference: best!.1) }
        let unused = optionalKeys(a).map(\.key).filter { shapes[$0] != nil }
        return ArchitectureMatch(architecture: a, hyperparameters: hyperparameters(a, shapes, unused: unused),
                                 unusedKeys: unused, alsoFits: Array(fits.dropFirst()))
    }

    static func hyperparameters(_ a: ZooArchitecture, _ s: [String: [Int]], unused: [String]) -> [String: String] {
        func out(_ k: String) -> String { s[k].map { String($0[0]) } ?? "?" }
        var h = ["frames": String(defaultFrames(a)), "inputSize": String(inputSize(a, s)), "inChannels": "3"]
        switch a {
        case .tinyPulse:
            h["widths"] = [out("stem.0.weight"), out("block2.0.weight"), out("block3.0.weight")].joined(separator: ",")
        case .tinyPulse2D:
            h["widths"] = [out("stem.0.weight"), out("block2.0.weight"), out("block3.0.weight")].joined(separator: ",")
            h["temporalKernel"] = s["time1.0.weight"].map { String($0[2]) } ?? "?"
        case .physNet:
            h["widths"] = [out("ConvBlock1.0.weight"), out("ConvBlock2.0.weight"), out("ConvBlock3.0.weight")]
                .joined(separator: ",")
            h["upsampleKernel"] = s["upsample.0.weight"].map { String($0[2]) } ?? "?"
        case .factorizePhys:
            h["nf"] = FactorizePhysModel.nf.map(String.init).joined(separator: ",")
            h["fsam"] = unused.isEmpty ? "absent" : "trained (keys present, unused at inference)"
            h["inputTransform"] = "diff over time of the last-frame-padded clip, then InstanceNorm3d"
        case .deepPhys, .tsCAN:
            h["inChannels"] = "6"
            h["layout"] = "frames [N·T, 6, S, S] → [N·T, 1]"
            h["inputType"] = "DiffNormalized (channels 0–2) + Standardized (3–5)"
            if a == .tsCAN { h["frameDepth"] = String(frameDepth) }
        case .efficientPhys:
            h["layout"] = "frames [N·T + 1, 3, S, S] → [N·T, 1]"
            h["inputType"] = "Standardized; diff over frames and BatchNorm2d inside the model"
            h["frameDepth"] = String(frameDepth)
        case .iBVPNet:
            h["nf"] = IBVPNetModel.nf.map(String.init).joined(separator: ",")
            h["inputType"] = "Raw; diff over time of the last-frame-padded clip, then InstanceNorm3d"
        case .physFormer:
            let c = PhysFormerModel.Config(shapes: s)
            h.merge(["patch": String(c.patch), "dim": String(c.dim), "ffDim": String(c.ffDim), "layers": String(c.layers),
                     "heads": "\(c.heads) (not in the weights: the toolbox's default)",
                     "theta": "\(c.theta) (not in the weights: the toolbox's default)", "graSharp": "\(c.graSharp)"]) { _, new in new }
        }
        return h
    }

    /// Weights the graph binds in another form than the state dict holds them, with the linear map
    /// and its transpose on their flat values: PhysFormer's CDC_T convs (`*.proj_q.0.conv.weight`,
    /// `*.proj_k.0.conv.weight`), whose central difference ``graph(_:stateDict:batch:frames:inputSize:)``
    /// folds into the centre tap. Training keeps the state dict's values (the toolbox's parameters)
    /// and maps the folded weights' gradient back through the transpose.
    public static func foldedWeights(_ a: ZooArchitecture, shapes: [(key: String, shape: [Int])])
        -> [String: (fold: @Sendable ([Float]) -> [Float], transpose: @Sendable ([Float]) -> [Float])] {
        guard a == .physFormer else { return [:] }
        let theta = PhysFormerModel.Config().theta
        var out: [String: (fold: @Sendable ([Float]) -> [Float], transpose: @Sendable ([Float]) -> [Float])] = [:]
        for (key, shape) in shapes where PhysFormerModel.isCentralDifference(key, shape) {
            out[key] = ({ PhysFormerModel.foldCentralDifference($0, theta: theta) },
                        { PhysFormerModel.centralDifferenceGradient($0, theta: theta) })
        }
        return out
    }

    /// Graph with input "input" and output "output": `[batch, 3, T, H, W]` → `[batch, T]` for
    /// clip models, `[batch·T (+1), C, H, W]` → `[batch·T, 1]` for frame models (`inputLayout`);
    /// weights bound strictly by key (missing, unexpected or mis-shaped keys → one error listing
    /// all). The frame side defaults to the one the checkpoint implies.
    public static func graph(_ architecture: ZooArchitecture, stateDict: StateDict, batch: Int = 1,
                             frames: Int? = nil, inputSize size: Int? = nil) throws -> Graph {
        let t = frames ?? defaultFrames(architecture)
        var w = weights(stateDict)
        let shapes = w.mapValues(\.shape)
        let side = size ?? inputSize(architecture, shapes)
        let (b, y) = try trace(architecture, batch: batch, frames: t, size: side, shapes: shapes)
        if architecture == .physFormer { w = PhysFormerModel.folded(w, theta: PhysFormerModel.Config(shapes: shapes).theta) }
        let optional = optionalKeys(architecture)
        for (k, s) in optional where w[k] != nil && w[k]!.shape != s {
            var d = ParameterDifference(declared: [], weights: [:])
            d.misshaped = [(k, s, w[k]!.shape)]
            throw d
        }
        var g = try b.graph(output: y, weights: w, allowedExtra: Set(optional.map(\.key)),
                            name: architecture.rawValue)
        g.metadata["architecture"] = architecture.rawValue
        return g
    }
}

/// A clip shape a zoo model cannot take.
public struct ZooShapeError: UserFacingError {
    public var message: String
    public var description: String { message }
}
