// Vector table, reset and fault handlers for the Cortex-M55 (QEMU mps3-an547; see board.ld).
#include "firmware.h"
#include "semihost.h"
#include "text.h"
#include "ticks.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

#define SCB_VTOR  (*(volatile uint32_t *)0xE000ED08)
#define SCB_CCR   (*(volatile uint32_t *)0xE000ED14)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24)
#define SCB_CFSR  (*(volatile uint32_t *)0xE000ED28)
#define SCB_HFSR  (*(volatile uint32_t *)0xE000ED2C)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34)
#define SCB_BFAR  (*(volatile uint32_t *)0xE000ED38)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88)
#define SAU_SFSR  (*(volatile uint32_t *)0xE000EDE4)

#define STACK_PAINT 0x5AC5AC5Au

enum { F_NMI, F_HARD, F_MEMMANAGE, F_BUS, F_USAGE, F_SECURE, F_UNEXPECTED };
static const char *const fault_names[] = {
    "NMI", "HardFault", "MemManageFault", "BusFault", "UsageFault", "SecureFault",
    "unexpected interrupt",
};

// Called by the naked stubs below with the exception frame (r0-r3, r12, lr, pc, xpsr).
__attribute__((noreturn, used)) static void fault(const uint32_t *frame, uint32_t kind) {
    uint32_t cfsr = SCB_CFSR;
    line_t l = {0};
    line_str(&l, fault_names[kind]);
    // With a stack overflow the frame itself may lie outside the stack: don't trust it then.
    int frame_ok = frame >= __stack_limit && frame + 8 <= __stack_top;
    uint32_t pc = frame_ok ? frame[6] : 0;
    if (frame_ok) {
        line_str(&l, " at pc=");
        line_hex(&l, pc);
        line_str(&l, " lr=");
        line_hex(&l, frame[5]);
    }
    line_str(&l, " cfsr=");
    line_hex(&l, cfsr);
    line_str(&l, " hfsr=");
    line_hex(&l, SCB_HFSR);
    line_str(&l, " mmfar=");
    line_hex(&l, SCB_MMFAR);
    line_str(&l, " bfar=");
    line_hex(&l, SCB_BFAR);
    if (kind == F_SECURE) {
        line_str(&l, " sfsr=");
        line_hex(&l, SAU_SFSR);
    }
    // Hints for the two causes a Swift runtime hits most: `udf #254` is what a Swift trap
    // (precondition, overflow, bounds check, force unwrap) compiles to; STKOF is MSPLIM.
    if ((cfsr & (1u << 16)) && frame_ok && (pc & 1) == 0 && *(const uint16_t *)pc == 0xDEFE)
        line_str(&l, " (Swift runtime trap: a failed precondition, overflow or bounds check)");
    if (cfsr & (1u << 20)) line_str(&l, " (stack overflow: raise STACK_SIZE in board.ld)");
    firmware_fail(EXIT_FAULT, line_cstr(&l));
}

// EXC_RETURN bit 2 says which stack holds the frame; everything runs on MSP, but check anyway.
#define FAULT_STUB(name, kind)                                                   \
    __attribute__((naked)) void name(void) {                                     \
        __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n" \
                         "movs r1, %0\n b fault" ::"i"(kind));                   \
    }
FAULT_STUB(NMI_Handler, F_NMI)
FAULT_STUB(HardFault_Handler, F_HARD)
FAULT_STUB(MemManage_Handler, F_MEMMANAGE)
FAULT_STUB(BusFault_Handler, F_BUS)
FAULT_STUB(UsageFault_Handler, F_USAGE)
FAULT_STUB(SecureFault_Handler, F_SECURE)
FAULT_STUB(Unexpected_Handler, F_UNEXPECTED)

void Reset_Handler(void);
void SysTick_Handler(void);

// Only the 16 system exceptions: no external interrupt is ever enabled.
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top, Reset_Handler, NMI_Handler, HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, SecureFault_Handler,
    0, 0, 0, Unexpected_Handler /* SVCall */, Unexpected_Handler /* DebugMonitor */, 0,
    Unexpected_Handler /* PendSV */, SysTick_Handler,
};

void Reset_Handler(void) {
    // First, since Swift code uses VFP/MVE instructions and clang vectorizes even the copy loops
    // below with MVE: all of them fault until CP10/CP11 are enabled.
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n isb" ::: "memory");
    SCB_VTOR = (uint32_t)vectors;
    // Hardware stack-limit check (ARMv8-M): an overflow is a UsageFault (STKOF), not corruption.
    __asm__ volatile("msr msplim, %0" ::"r"(__stack_limit));
    for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
    for (uint32_t *d = __bss_start; d < __bss_end;) *d++ = 0;
    // Report MemManage/Bus/Usage/Secure faults as themselves instead of escalating to HardFault,
    // and trap integer division by zero.
    SCB_SHCSR |= 0xFu << 16;
    SCB_CCR |= 1u << 4;
    // Paint the unused stack (below this frame) so stack_bytes_used() finds the high-water mark.
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = __stack_limit; (uint32_t)p < sp - 64; p++) *p = STACK_PAINT;
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
    ticks_start();
    sh_exit(main());
}

uint32_t stack_bytes_total(void) { return (uint32_t)(__stack_top - __stack_limit) * 4; }

uint32_t stack_bytes_used(void) {
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)(__stack_top - p) * 4;
}
