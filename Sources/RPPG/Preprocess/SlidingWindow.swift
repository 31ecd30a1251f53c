/// The last `length` frames of a stream (each `valuesPerFrame` floats) in a ring buffer: a new
/// frame overwrites the oldest, so memory stays one window however long the stream runs, and
/// ``frames()`` copies the window out oldest first for the model.
public struct SlidingWindow: Sendable {
    /// Frames in a full window (the model's T).
    public let length: Int
    public let valuesPerFrame: Int
    /// Frames appended since the start of the stream.
    public private(set) var framesSeen = 0
    private var ring: [Float]

    public init(length: Int, valuesPerFrame: Int) {
        precondition(length >= 1 && valuesPerFrame >= 1)
        self.length = length
        self.valuesPerFrame = valuesPerFrame
        ring = [Float](repeating: 0, count: length * valuesPerFrame)
    }

    /// True once `length` frames have been appended.
    public var isFull: Bool { framesSeen >= length }

    /// Appends one frame: `write` fills its `valuesPerFrame` slots in place (no copy).
    public mutating func append(_ write: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let slot = framesSeen % length
        let p = valuesPerFrame
        try ring.withUnsafeMutableBufferPointer { all in
            try write(UnsafeMutableBufferPointer(rebasing: all[(slot * p)..<((slot + 1) * p)]))
        }
        framesSeen += 1
    }

    /// The window's frames, oldest first (`min(framesSeen, length)` × `valuesPerFrame`).
    public func frames() -> [Float] {
        guard framesSeen > length else { return Array(ring[0..<(min(framesSeen, length) * valuesPerFrame)]) }
        let split = (framesSeen % length) * valuesPerFrame
        return Array(ring[split...]) + ring[..<split]
    }
}
