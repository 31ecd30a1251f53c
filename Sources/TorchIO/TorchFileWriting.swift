import Foundation
import TensorCore

extension TorchFile {
    /// Saves `value` as torch.save does (zip format, pickle protocol 2, one STORED record per
    /// storage with 64-byte-aligned data), atomically. The file opens with
    /// `torch.load(path, weights_only=True)` and with `mmap=True`. Dicts whose values are all
    /// tensors are written as `OrderedDict`; views of one storage share one record.
    public static func save(_ value: PickleValue, to url: URL) throws {
        let tensors = PickleWriter.tensors(in: value)
        var pickler = PickleWriter(tensors: tensors, path: url.path)
        let pickle = try pickler.finish(value)
        let storages = pickler.storages
        try AtomicFile.write(to: url) { handle in
            var zip = ZipWriter(handle: handle)
            try pickle.withUnsafeBytes { try zip.add("archive/data.pkl", $0) }
            try Array("little".utf8).withUnsafeBytes { try zip.add("archive/byteorder", $0) }
            for (i, s) in storages.enumerated() {
                // Keep the tensor alive while its bytes are written.
                try withExtendedLifetime(s.tensor) {
                    try zip.add(
                        "archive/data/\(i)", UnsafeRawBufferPointer(start: s.start, count: s.byteCount))
                }
            }
            try Array("3\n".utf8).withUnsafeBytes { try zip.add("archive/version", $0) }
            try zip.finish()
        }
    }
}
