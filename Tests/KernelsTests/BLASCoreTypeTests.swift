import Kernels
import TensorCore
import Testing

@Suite struct BLASCoreTypeTests {
    @Test func genericKernelsAreReplacedOnlyWhereTheCPUHasWiderVectors() {
        if Int8Dispatch.isSupported(.avx2) {
            // Prescott (SSE3) is what Debian's OpenBLAS 0.3.21 picks on CPUs it does not know.
            let better = BLASCoreType.betterCoreType(current: "Prescott")
            #expect(better == (Int8Dispatch.isSupported(.avx512VNNI) ? "SkylakeX" : "Haswell"))
            #expect(BLASCoreType.betterCoreType(current: "SkylakeX") == nil)
            #expect(BLASCoreType.betterCoreType(current: "SapphireRapids") == nil)
        } else {
            #expect(BLASCoreType.betterCoreType(current: "Prescott") == nil)
        }
    }

    @Test func openBLASReportsTheKernelsItLoaded() {
        #expect(!BLAS.coreName.isEmpty)
    }
}
