// What the startup code, the stubs and main share.
#ifndef FIRMWARE_H
#define FIRMWARE_H

#include <stdint.h>

// Exit codes, seen by the host as QEMU's exit status.
enum {
    EXIT_OK = 0,
    EXIT_IO = 1,         // a semihosting file could not be opened, read or written
    EXIT_BAD_INPUT = 2,  // rppg_in.bin is malformed or does not match the model
    EXIT_FAULT = 3,      // a CPU fault (HardFault, UsageFault, …) or stack smashing
    EXIT_RUNTIME = 4,    // rppg_runtime_run returned an error or broke the profile contract
    EXIT_ALLOC = 5,      // the runtime tried to allocate memory
};

// Prints `message` on the console, ends rppg_report.txt (if open) with `status error <message>`
// and exits QEMU with `code`.
__attribute__((noreturn)) void firmware_fail(int32_t code, const char *message);

// Bytes of the stack ever used (the painted pattern overwritten) and the stack's size.
uint32_t stack_bytes_used(void);
uint32_t stack_bytes_total(void);

int main(void);

#endif
