import Testing
import Kernels

/// Deterministic generator for the int8 tests (SplitMix64).
struct Int8TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    /// int8 values; one in eight is an extreme (−128, −127 or 127) to exercise overflow edges.
    mutating func int8s(_ count: Int, weights: Bool = false) -> [Int8] {
        (0..<count).map { _ in
            switch next() % 8 {
            case 0: return weights ? (next() % 2 == 0 ? -127 : 127) : (next() % 2 == 0 ? -128 : 127)
            default: return Int8(truncatingIfNeeded: weights ? int(-127...127) : int(-128...127))
            }
        }
    }
}

@Suite("Int8 GEMM: every path equals the reference")
struct Int8GEMMTests {
    @Test func dispatchReportsSupportedPaths() {
        #expect(Int8Dispatch.isSupported(.portable))
        #expect(Int8Dispatch.isSupported(.reference))
        #expect(Int8Dispatch.isSupported(Int8Dispatch.best))
        #expect(Int8Dispatch.supportedPaths.contains(Int8Dispatch.best))
    }

    @Test(arguments: [(1, 1, 1), (8, 4, 32), (3, 5, 7), (17, 33, 65), (9, 300, 50), (16, 27, 100), (33, 129, 97)])
    func packedMatchesReference(m: Int, k: Int, n: Int) {
        var rng = Int8TestRandom(seed: UInt64(m * 1_000_003 + k * 1009 + n))
        let w = rng.int8s(m * k, weights: true)
        let x = rng.int8s(k * n)
        for zp: Int32 in [0, -128, 127, Int32(rng.int(-128...127))] {
            var expected = [Int32](repeating: 0, count: m * n)
            w.withUnsafeBufferPointer { wp in
                x.withUnsafeBufferPointer { xp in
                    Int8GEMM.reference(weights: wp.baseAddress!, m: m, k: k, x: xp.baseAddress!, n: n, ldx: n,
                                       xZeroPoint: zp, c: &expected, ldc: n)
                }
            }
            for path in Int8Dispatch.supportedPaths where path != .reference {
                let packed = Int8PackedWeights(weights: w, m: m, k: k, path: path)
                let layout = packed.layout
                let panels = (n + layout.nr - 1) / layout.nr
                let ldc = panels * layout.nr
                let b = UnsafeMutableRawPointer.allocate(byteCount: layout.packedActivationBytes(k: k, n: n), alignment: 64)
                defer { b.deallocate() }
                var tile = [Int32](repeating: 0, count: packed.mPanels * layout.mr * ldc)
                x.withUnsafeBufferPointer { xp in
                    Int8GEMM.packActivations(xp.baseAddress!, k: k, count: n, ldx: n, layout: layout, into: b)
                }
                Int8GEMM.multiplyPacked(packed, packed: b, panels: panels, xZeroPoint: zp, c: &tile, ldc: ldc)
                var mismatches = 0
                for i in 0..<m { for j in 0..<n where tile[i * ldc + j] != expected[i * n + j] { mismatches += 1 } }
                #expect(mismatches == 0, "path \(path) m=\(m) k=\(k) n=\(n) zp=\(zp)")
            }
        }
    }

    @Test func extremeValuesDoNotSaturate() {
        // All activations −128 with zero point 127 and weights −127: every product is maximal,
        // which would overflow int16 pair sums (vpmaddubsw) but not these kernels.
        let m = 8, k = 512, n = 32
        let w = [Int8](repeating: -127, count: m * k), x = [Int8](repeating: -128, count: k * n)
        let expected = Int32(k) * (-127) * (-128 - 127)
        for path in Int8Dispatch.supportedPaths where path != .reference {
            let packed = Int8PackedWeights(weights: w, m: m, k: k, path: path)
            let layout = packed.layout
            let panels = (n + layout.nr - 1) / layout.nr
            let b = UnsafeMutableRawPointer.allocate(byteCount: layout.packedActivationBytes(k: k, n: n), alignment: 64)
            defer { b.deallocate() }
            var tile = [Int32](repeating: 0, count: packed.mPanels * layout.mr * panels * layout.nr)
            x.withUnsafeBufferPointer { Int8GEMM.packActivations($0.baseAddress!, k: k, count: n, ldx: n, layout: layout, into: b) }
            Int8GEMM.multiplyPacked(packed, packed: b, panels: panels, xZeroPoint: 127, c: &tile, ldc: panels * layout.nr)
            #expect(tile[0] == expected, "path \(path)")
            #expect(tile[(m - 1) * panels * layout.nr + n - 1] == expected, "path \(path)")
        }
    }

    @Test(arguments: [(17, 2081, 70), (8, 1025, 33)])
    func longReductionsMatchReference(m: Int, k: Int, n: Int) {
        // k beyond one L1 slice of the VNNI kernel (256 quads): later slices add onto the tile.
        var rng = Int8TestRandom(seed: UInt64(m * 31 + k))
        let w = rng.int8s(m * k, weights: true), x = rng.int8s(k * n)
        var expected = [Int32](repeating: 0, count: m * n)
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                Int8GEMM.reference(weights: wp.baseAddress!, m: m, k: k, x: xp.baseAddress!, n: n, ldx: n, xZeroPoint: -9,
                                   c: &expected, ldc: n)
            }
        }
        for path in Int8Dispatch.supportedPaths where path != .reference {
            let plan = Int8GEMMPlan(weights: Int8PackedWeights(weights: w, m: m, k: k, path: path), n: n, threads: 2)
            var c = [Int32](repeating: 0, count: m * n)
            x.withUnsafeBufferPointer { plan.run(x: $0.baseAddress!, ldx: n, xZeroPoint: -9, c: &c, ldc: n) }
            #expect(c == expected, "path \(path) m=\(m) k=\(k) n=\(n)")
        }
    }
}
