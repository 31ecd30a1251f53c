// A stand-in for the Int8Runtime module with the same C entry point, so the firmware harness can
// be tested end to end: output[j] = (input[j] + input[j + OUT] + input[j + 2·OUT] + …) mod 256,
// in three ops that each touch the arena (zero the accumulators, accumulate, narrow).
// Test builds: `-D RPPG_STUB_FAULT` loads from an unmapped address in op 1 (a BusFault),
// `-D RPPG_STUB_TRAP` fails a precondition there (a Swift trap, i.e. a UsageFault).

@_cdecl("rppg_runtime_run")
public func rppg_runtime_run(
    _ plan: UnsafePointer<Int32>, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
    _ arena: UnsafeMutableRawPointer, _ profile: (@convention(c) (Int32) -> Void)?
) -> Int32 {
    guard plan[0] == 0x5250_5354, plan[1] == 3 else { return -1 }
    let inputBytes = Int(plan[2]), outputBytes = Int(plan[3])
    let slot = (arena + Int(plan[4])).assumingMemoryBound(to: Int8.self)
    let acc = (arena + Int(plan[5])).assumingMemoryBound(to: Int32.self)
    if UnsafePointer(slot) != input { slot.update(from: input, count: inputBytes) }

    profile?(0)
    for j in 0..<outputBytes { acc[j] = 0 }
    profile?(1)
    #if RPPG_STUB_FAULT
    acc[0] = UnsafePointer<Int32>(bitPattern: UInt(0xF000_0000))!.pointee
    #endif
    #if RPPG_STUB_TRAP
    precondition(inputBytes < 0)
    #endif
    var j = 0
    for k in 0..<inputBytes {
        acc[j] &+= Int32(slot[k])
        j = j + 1 == outputBytes ? 0 : j + 1
    }
    profile?(2)
    for j in 0..<outputBytes { output[j] = Int8(truncatingIfNeeded: acc[j]) }
    profile?(3)
    return 0
}
