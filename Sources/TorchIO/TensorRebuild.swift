import Foundation
import TensorCore

/// Turns the unpickler's objects into ``PickleValue``s, materialising tensors: a contiguous view
/// borrows its storage (no copy); a strided view is gathered into a fresh contiguous tensor.
struct TensorRebuild {
    let path: String
    /// Real checkpoints nest a handful of levels; the bound keeps recursion far from the stack limit.
    static let maximumDepth = 256

    func value(_ o: PickleObject, depth: Int = 0) throws -> PickleValue {
        guard depth < TensorRebuild.maximumDepth else {
            throw TorchIOError.corrupt(
                path,
                "the pickle nests deeper than \(TensorRebuild.maximumDepth) levels (or refers to itself)")
        }
        switch o {
        case .value(let v): return v
        case .list(let box): return .list(try box.items.map { try value($0, depth: depth + 1) })
        case .tupleBox(let box): return .tuple(try box.items.map { try value($0, depth: depth + 1) })
        case .set(let box): return .set(try box.items.map { try value($0, depth: depth + 1) })
        case .dict(let box):
            return .dict(
                try box.entries.map {
                    PickleDictEntry(
                        key: try value($0.0, depth: depth + 1), value: try value($0.1, depth: depth + 1))
                })
        case .global(let name): return .opaque(global: name, arguments: [])
        case .dtype(let d): return .string("torch.\(d.rawValue)")
        case .storage(let ref):
            let n = try data(ref).byteCount / ref.dtype.byteWidth
            return .tensor(
                try tensor(TensorSpec(storage: ref, dtype: ref.dtype, offset: 0, shape: [n], strides: [1])))
        case .tensor(let spec): return .tensor(try tensor(spec))
        case .opaque(let box):
            return .opaque(
                global: box.name, arguments: try box.arguments.map { try value($0, depth: depth + 1) })
        }
    }

    /// The bytes of a storage and where it starts inside them (legacy views point into a root).
    private func data(_ ref: StorageReference) throws -> (
        storage: TensorStorage, byteOffset: Int, byteCount: Int
    ) {
        if let root = ref.root {
            let r = try data(root)
            let start = ref.rootOffset * root.dtype.byteWidth
            let count = ref.count * ref.dtype.byteWidth
            guard start >= 0, count >= 0, start + count <= r.byteCount else {
                throw TorchIOError.corrupt(path, "storage view \(ref.key) lies outside storage \(root.key)")
            }
            return (r.storage, r.byteOffset + start, count)
        }
        guard let d = ref.data else { throw TorchIOError.corrupt(path, "storage \(ref.key) has no data") }
        return (d, 0, d.byteCount)
    }

    func tensor(_ spec: TensorSpec) throws -> Tensor {
        let width = spec.dtype.byteWidth
        var count = 1
        for d in spec.shape {
            let (m, o) = count.multipliedReportingOverflow(by: d)
            guard !o, m <= Int(1) << 48 else {
                throw TorchIOError.corrupt(path, "tensor size \(spec.shape) is too large")
            }
            count = m
        }
        if count == 0 { return Tensor(zeros: spec.shape, dtype: spec.dtype) }
        if spec.storage.byteSwapPending, let d = spec.storage.data {
            TensorRebuild.byteSwap(d, dtype: spec.dtype)
            spec.storage.byteSwapPending = false
        }
        let (storage, base, available) = try data(spec.storage)
        // Last element reached by the view, in elements; must lie inside the storage.
        var last = spec.offset
        var overflow = false
        for (d, s) in zip(spec.shape, spec.strides) {
            let (step, o1) = (d - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(step)
            overflow = overflow || o1 || o2
            last = sum
        }
        let (needed, o3) = (last + 1).multipliedReportingOverflow(by: width)
        guard !overflow, !o3, needed <= available else {
            if overflow || o3 {
                throw TorchIOError.corrupt(
                    path, "a tensor's size \(spec.shape) and stride \(spec.strides) overflow")
            }
            throw TorchIOError.corrupt(
                path,
                "a \(spec.dtype.rawValue) tensor of size \(spec.shape) (offset \(spec.offset), stride \(spec.strides)) needs \((last + 1) * width) bytes but storage \(spec.storage.key) has \(available)"
            )
        }
        let start = base + spec.offset * width
        if TensorRebuild.isContiguous(spec.shape, spec.strides) {
            return Tensor(storage: storage, byteOffset: start, shape: spec.shape, dtype: spec.dtype)
        }
        let out = TensorStorage(zeroedByteCount: count * width)
        TensorRebuild.gather(
            from: storage.bytes + start, shape: spec.shape, strides: spec.strides, width: width,
            into: out.bytes)
        return Tensor(storage: out, shape: spec.shape, dtype: spec.dtype)
    }

    static func isContiguous(_ shape: [Int], _ strides: [Int]) -> Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Copies a strided view into row-major order; rows with unit stride are copied whole.
    static func gather(
        from source: UnsafeRawPointer, shape: [Int], strides: [Int], width: Int,
        into dest: UnsafeMutableRawPointer
    ) {
        let rank = shape.count
        let inner = shape[rank - 1]
        let innerStride = strides[rank - 1]
        let rows = shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var out = dest
        for _ in 0..<rows {
            var offset = 0
            for i in 0..<(rank - 1) { offset += index[i] * strides[i] }
            let row = source + offset * width
            if innerStride == 1 {
                out.copyMemory(from: row, byteCount: inner * width)
            } else {
                for j in 0..<inner {
                    (out + j * width).copyMemory(from: row + j * innerStride * width, byteCount: width)
                }
            }
            out += inner * width
            var k = rank - 2
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
    }

    /// Reverses the bytes of each element (each component for complex types) in place.
    static func byteSwap(_ storage: TensorStorage, dtype: DType) {
        let w = dtype == .complex64 || dtype == .complex128 ? dtype.byteWidth / 2 : dtype.byteWidth
        guard w > 1 else { return }
        let p = storage.bytes.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i + w <= storage.byteCount {
            var a = i
            var b = i + w - 1
            while a < b {
                let t = p[a]
                p[a] = p[b]
                p[b] = t
                a += 1
                b -= 1
            }
            i += w
        }
    }
}
