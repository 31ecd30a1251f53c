#include "ticks.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04)
#define ICSR_PENDSTSET (1u << 26)
#define RELOAD 0xFFFFFFu

static volatile uint32_t wraps;

void SysTick_Handler(void) { wraps++; }

void ticks_start(void) {
    SYST_RVR = RELOAD;
    SYST_CVR = 0;
    SYST_CSR = 7; // ENABLE | TICKINT (wrap interrupt) | CLKSOURCE = processor clock
}

uint64_t ticks_now(void) {
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    uint32_t hi = wraps;
    uint32_t value = SYST_CVR;
    // A wrap whose interrupt is still pending is not in `wraps` yet: count it, and re-read the
    // counter since the first read may have come before or after the wrap.
    if (SCB_ICSR & ICSR_PENDSTSET) {
        value = SYST_CVR;
        hi++;
    }
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return ((uint64_t)hi << 24) + (RELOAD - value);
}

// Exactly 4 instructions per iteration (nop, nop, subs, bne); noinline keeps the overhead
// identical for both calls so it cancels in the difference.
__attribute__((noinline)) static void spin(uint32_t iterations) {
    __asm__ volatile("1: nop\n nop\n subs %0, %0, #1\n bne 1b" : "+r"(iterations)::"cc");
}

uint32_t ticks_calibrate(uint32_t iterations) {
    uint64_t t0 = ticks_now();
    spin(iterations);
    uint64_t t1 = ticks_now();
    spin(2 * iterations);
    uint64_t t2 = ticks_now();
    return (uint32_t)((t2 - t1) - (t1 - t0));
}
