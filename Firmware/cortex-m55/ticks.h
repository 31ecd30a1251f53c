// A 64-bit tick counter from the 24-bit SysTick, clocked by the CPU clock. Under
// `qemu-system-arm -icount shift=0` virtual time advances exactly 1 ns per executed instruction,
// so ticks are a deterministic instruction count divided by the (calibrated) instructions per tick.
#ifndef TICKS_H
#define TICKS_H

#include <stdint.h>

void ticks_start(void);
uint64_t ticks_now(void);
// Ticks taken by `iterations` passes of a 4-instruction loop, minus the call overhead
// (measured as the difference between 2×iterations and iterations passes).
uint32_t ticks_calibrate(uint32_t iterations);

#endif
