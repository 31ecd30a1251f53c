// libFuzzer harness: the UBFC ground-truth parsers (DATASET_2 ground_truth.txt and
// DATASET_1 gtdump.xmp) and the resampling that follows them.
import Foundation
import RPPG
import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = FuzzInput.file(data, size, suffix: ".txt")
    for parse in [GroundTruth.parseDataset2, GroundTruth.parseDataset1] {
        do {
            let gt = try parse(url)
            _ = GroundTruth.resample(gt.ppg, to: 64)
            if gt.times.count == gt.ppg.count { _ = GroundTruth.resample(gt.ppg, times: gt.times, frames: 64, fps: 30) }
        } catch { checkUserFacing(error) }
    }
    return 0
}
