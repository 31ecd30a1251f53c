import Foundation
import RPPG

/// The `synth` step: a UBFC-style dataset of synthetic faces with known heart rates, for
/// tests and for running the whole workflow without the real dataset.
public enum Synthesize {
    /// Defaults of the workflow's embedded run: small enough that synth + preprocess take a few
    /// seconds on two cores, large enough for the face detector (72×72 would be too small).
    public static let workflowDefaults = SyntheticDataset.Options(subjects: 8, seconds: 20, seed: 0, width: 96, height: 72, fps: 30)

    /// Writes the dataset and returns each subject's mean heart rate.
    public static func run(output: URL, options: SyntheticDataset.Options) throws -> [SyntheticDataset.Written] {
        try SyntheticDataset.write(to: output, options: options)
    }
}
