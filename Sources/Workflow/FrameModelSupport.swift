import RPPG

extension ZooArchitecture {
    /// Why a workflow step built on clips `[N, 3, T, S, S]` (train, qat, infer --video, monitor,
    /// calibrate, verify, pipeline) refuses a frame model; nil for clip models. Export, quantize,
    /// inspect and `infer --input` with frames take every zoo model.
    func clipStepRefusal(_ step: String) -> String? {
        guard case .frames(let c, let extra) = inputLayout else { return nil }
        let clipModels = ZooArchitecture.allCases.filter { $0.inputLayout == .clips }.map(\.rawValue).joined(separator: ", ")
        return "\(rawValue) takes frames [N·T\(extra ? " + 1" : ""), \(c), S, S] (rPPG-Toolbox's layout), not clips; "
            + "rppg \(step) runs the clip models (\(clipModels)) so far. rppg export, quantize, inspect and "
            + "infer --input take \(rawValue)."
    }
}
