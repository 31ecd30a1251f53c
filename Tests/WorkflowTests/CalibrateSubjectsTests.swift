import Foundation
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `rppg calibrate` keeps the subjects that `rppg verify` scores out of the calibration clips
/// when it knows the model (its training record), and says so when it cannot.
@Suite(.serialized) struct CalibrateSubjectsTests {
    @Test func trainingFileLeavesOutTheValidationSubjects() throws {
        let t = try VerifyTruthTests.trained()
        defer { try? FileManager.default.removeItem(at: t.dir) }
        let dataset = try ProcessedDataset.load(t.data)
        let record = try #require(try CalibrationData.trainingRecord(ofModel: t.fp32))
        #expect(record.validationSubjects == [3])

        // The training file: subjects 1 and 2 only, which verify (--split auto) does not score.
        let choice = try CalibrationData.chooseSubjects(data: t.data, all: [1, 2, 3], record: record, modelGiven: true)
        #expect(choice.subjects == [1, 2] && choice.warning == nil && choice.reason.contains("validation subjects 3"))
        let verify = try Verify.chooseSubjects(VerifyTruthTests.options(t), all: [1, 2, 3], record: record)
        #expect(Set(verify.subjects).isDisjoint(with: choice.subjects))

        let out = t.dir.appendingPathComponent("calib_train.pt")
        let s = try CalibrationData.calibrate(dataset: dataset, subjects: choice.subjects, output: out, numSamples: 200)
        let subjectOf = dataset.subject.doubleValues().map { Int($0) }
        #expect(s.indices.count == subjectOf.filter { $0 != 3 }.count)
        #expect(s.indices.allSatisfy { subjectOf[$0] != 3 })
        let written = try TorchFile.load(out)
        #expect(written["subject"]?.tensor?.doubleValues().map { Int($0) } == s.indices.map { subjectOf[$0] })
        // The clips written are the dataset's own clips at those indices.
        let clips = try #require(written["clips"]?.tensor)
        #expect(clips.batch(0..<1).floatValues() == dataset.clips.batch(s.indices[0]..<(s.indices[0] + 1)).floatValues())
        // A seed draws a sample among the chosen subjects only.
        let few = try CalibrationData.calibrate(dataset: dataset, subjects: [1, 2], output: out, numSamples: 2, seed: 7)
        #expect(few.indices.count == 2 && few.indices.allSatisfy { subjectOf[$0] != 3 })

        // The checkpoint carries the same record as the ONNX model exported from it.
        let checkpoint = t.dir.appendingPathComponent("ckpt/best_model.pth")
        #expect(try CalibrationData.trainingRecord(ofModel: checkpoint) == record)
    }

    @Test func anotherFileOrNoRecordUsesAllSubjectsAndSaysWhy() throws {
        let t = try VerifyTruthTests.trained()
        defer { try? FileManager.default.removeItem(at: t.dir) }
        let record = try #require(try CalibrationData.trainingRecord(ofModel: t.fp32))
        var other = try ProcessedDataset.load(t.data)
        other.hrFromSensor = [Bool](repeating: true, count: other.count)
        let otherURL = t.dir.appendingPathComponent("other.pt")
        try other.save(to: otherURL)

        let onOther = try CalibrationData.chooseSubjects(data: otherURL, all: [1, 2, 3], record: record, modelGiven: true)
        #expect(onOther.subjects == [1, 2, 3])
        #expect(onOther.warning?.contains("verification subjects") == true)
        let noModel = try CalibrationData.chooseSubjects(data: t.data, all: [1, 2, 3], record: nil, modelGiven: false)
        #expect(noModel.subjects == [1, 2, 3] && noModel.reason.contains("no --model"))

        // --subjects and --exclude-subjects win; unknown subjects name the file and the ones it has.
        #expect(try CalibrationData.chooseSubjects(data: t.data, all: [1, 2, 3], record: record, modelGiven: true, given: [3]).subjects == [3])
        #expect(try CalibrationData.chooseSubjects(data: t.data, all: [1, 2, 3], record: nil, modelGiven: false, excluded: [2]).subjects == [1, 3])
        #expect {
            _ = try CalibrationData.chooseSubjects(data: t.data, all: [1, 2, 3], record: nil, modelGiven: false, given: [9])
        } throws: { "\($0)".contains(t.data.path) && "\($0)".contains("its subjects are 1,2,3") }
        // A file holding only the validation subjects cannot calibrate the model fairly.
        #expect {
            _ = try CalibrationData.chooseSubjects(data: t.data, all: [3], record: record, modelGiven: true)
        } throws: { "\($0)".contains("only the model's validation subjects") }
    }
}
