import RPPG

extension ZooArchitecture {
    /// Why a workflow step that does not yet adapt clips to frames (qat) refuses a frame model;
    /// nil for clip models. Train, pipeline, export, calibrate, quantize, verify, inspect, infer
    /// and monitor take every zoo model (via ``FrameLayout`` and ``ModelInputFormat``).
    func clipStepRefusal(_ step: String) -> String? {
        guard case .frames(let c, let extra) = inputLayout else { return nil }
        let clipModels = ZooArchitecture.allCases.filter { $0.inputLayout == .clips }.map(\.rawValue).joined(separator: ", ")
        return "\(rawValue) takes frames [N·T\(extra ? " + 1" : ""), \(c), S, S] (rPPG-Toolbox's layout), not clips; "
            + "rppg \(step) runs the clip models (\(clipModels)) so far. rppg train, pipeline, export, calibrate, "
            + "quantize, verify, inspect, infer and monitor take \(rawValue)."
    }
}
