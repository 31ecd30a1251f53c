/// A float32 value held by the training tape: a row-major shape and its elements.
/// Kept as a plain array so that the backward rules can write into it without copy-on-write
/// surprises from shared ``Tensor`` storage.
struct Activation {
    var shape: [Int]
    var data: [Float]

    init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) vs \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    var count: Int { data.count }
}

/// Row-major strides of a shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = acc
        acc *= shape[i]
    }
    return strides
}
