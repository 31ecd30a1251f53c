import Foundation
import RPPG
import TensorCore
import Testing

@Suite struct DatasetTests {
    func makeSubject(_ root: URL, _ name: String, groundTruth: String, file: String = "ground_truth.txt") throws {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(groundTruth.utf8).write(to: dir.appendingPathComponent(file))
        try Data().write(to: dir.appendingPathComponent("vid.avi"))
    }

    @Test func subjectsAreSortedByNumberNotName() throws {
        let root = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for n in [10, 2, 33, 1] { try makeSubject(root, "subject\(n)", groundTruth: "1 2\n60 60\n0 0.03\n") }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        let subjects = try UBFCDataset.subjects(in: root)
        #expect(subjects.map(\.number) == [1, 2, 10, 33])
        #expect(subjects.allSatisfy { !$0.isDataset1 })
    }

    @Test func findsDataset1AndDataset2Subfolders() throws {
        let root = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try makeSubject(root.appendingPathComponent("DATASET_1"), "11-gt", groundTruth: "0,70,98,1.5\n33,71,98,1.6\n", file: "gtdump.xmp")
        let subjects = try UBFCDataset.subjects(in: root)
        #expect(subjects.count == 1 && subjects[0].number == 11 && subjects[0].isDataset1)
        let gt = try subjects[0].loadGroundTruth()
        #expect(gt.ppg == [1.5, 1.6] && gt.heartRate == [70, 71] && gt.times == [0, 0.033])
    }

    @Test func emptyFolderIsAClearError() throws {
        let root = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: DatasetError.noSubjects(path: root.path)) { _ = try UBFCDataset.subjects(in: root) }
    }

    @Test func parsesDataset2GroundTruthInScientificNotation() throws {
        let root = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let text = "  -1.2500000e+00   3.0000000e-01\n   8.1000000e+01   8.2000000e+01\n   0.0000000e+00   3.3333333e-02\n"
        try makeSubject(root, "subject5", groundTruth: text)
        let gt = try UBFCDataset.subjects(in: root)[0].loadGroundTruth()
        #expect(gt.ppg == [-1.25, 0.3] && gt.heartRate == [81, 82] && gt.times.count == 2)
    }

    @Test func nonNumericGroundTruthNamesFileAndLine() throws {
        let root = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try makeSubject(root, "subject7", groundTruth: "1 2 3\n60 abc 60\n0 1 2\n")
        try makeSubject(root, "subject8", groundTruth: "0,70,98,1.5\n33,70,x,nan\n", file: "gtdump.xmp")
        let subjects = try UBFCDataset.subjects(in: root)
        do {
            _ = try subjects[0].loadGroundTruth()
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.description.contains("subject7/ground_truth.txt, line 2") && e.description.contains("abc"))
        }
        do {
            _ = try subjects[1].loadGroundTruth()
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.description.contains("gtdump.xmp, line 2"))
        }
    }

    @Test func resamplesLikeNumpyInterp() {
        #expect(GroundTruth.resample([0, 10], to: 3) == [0, 5, 10])
        #expect(GroundTruth.resample([1, 2, 3], to: 3) == [1, 2, 3])
        #expect(GroundTruth.resample([0, 1, 2], times: [0, 1, 2], frames: 5, fps: 2) == [0, 0.5, 1, 1.5, 2])
    }

    func smallDataset(nan: Bool = false) -> ProcessedDataset {
        var clips = Tensor(shape: [2, 3, 4, 2, 2], scalars: (0..<96).map { Float($0) / 10 })
        if nan { clips.withUnsafeMutableBufferPointer(of: Float.self) { $0[17] = .nan } }
        return ProcessedDataset(clips: clips, labels: Tensor(shape: [2, 4], scalars: (0..<8).map { Float($0) }),
                                hr: Tensor(shape: [2], scalars: [Float(72.5), 88]),
                                subject: Tensor(shape: [2], scalars: [Int64(3), 3]), chunk: Tensor(shape: [2], scalars: [Int64(0), 1]),
                                fps: 30, inputType: "diffnormalized", size: 2)
    }

    @Test func processedDatasetRoundTripsThroughTorchFormat() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("p.pt")
        let d = smallDataset()
        try d.save(to: url)
        let back = try ProcessedDataset.load(url)
        #expect(back.clips == d.clips && back.labels == d.labels && back.hr == d.hr)
        #expect(back.subject == d.subject && back.chunk == d.chunk)
        #expect(back.fps == 30 && back.inputType == "diffnormalized" && back.size == 2)
    }

    @Test func processedDatasetRejectsNaNAndBadShapes() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DatasetError.self) { try smallDataset(nan: true).save(to: dir.appendingPathComponent("nan.pt")) }
        var bad = smallDataset()
        bad.labels = Tensor(zeros: [2, 5])
        #expect(throws: DatasetError.self) { try bad.validate(path: "x.pt") }
        do {
            try smallDataset(nan: true).validate(path: "nan.pt")
        } catch let e as DatasetError {
            #expect(e.description.contains("NaN") && e.description.contains("nan.pt"))
        }
    }
}
