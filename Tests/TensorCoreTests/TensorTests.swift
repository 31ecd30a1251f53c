import Testing
import TensorCore

@Test func tensorStoresScalarsRowMajor() {
    let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
    #expect(t.elementCount == 6)
    #expect(t.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
    #expect(t.reshaped([3, 2]).shape == [3, 2])
}

@Test func mutationCopiesSharedStorage() {
    let a = Tensor(shape: [3], scalars: [1, 2, 3] as [Int32])
    var b = a
    b.withUnsafeMutableBufferPointer(of: Int32.self) { $0[0] = 9 }
    #expect(a.scalars(as: Int32.self) == [1, 2, 3])
    #expect(b.scalars(as: Int32.self) == [9, 2, 3])
}

@Test func bfloat16RoundsToNearestEven() {
    #expect(BFloat16Bits.toFloat(BFloat16Bits.fromFloat(1.0)) == 1.0)
    // 1 + 2^-8 is exactly halfway between two bfloat16 values: ties go to the even one (1.0).
    #expect(BFloat16Bits.toFloat(BFloat16Bits.fromFloat(1.00390625)) == 1.0)
    #expect(BFloat16Bits.toFloat(BFloat16Bits.fromFloat(1.01171875)) == 1.015625)
}

@Test func sgemmMultipliesRowMajor() {
    let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2x3
    let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3x2
    var c = [Float](repeating: 0, count: 4)
    BLAS.sgemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
    #expect(c == [58, 64, 139, 154])
}

@Test func parallelForEachVisitsEveryIndexOnce() {
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 1000)
    counts.initialize(repeating: 0)
    defer { counts.deallocate() }
    Parallel.forEach(1000, threads: 4) { counts[$0] += 1 }
    #expect(counts.allSatisfy { $0 == 1 })
}

@Test func batchViewsShareBytesAndConcatenationRestoresThem() {
    let t = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6] as [Float])
    let middle = t.batch(1..<2)
    #expect(middle.shape == [1, 2])
    #expect(middle.scalars(as: Float.self) == [3, 4])
    #expect(middle.sharesStorage(with: t))
    let joined = Tensor(concatenatingBatches: [t.batch(0..<1), t.batch(1..<3)])
    #expect(joined == t)
}
