// ARM semihosting (bkpt 0xAB): the host debugger or QEMU (-semihosting-config enable=on) performs
// file I/O and exit for the firmware, so the board needs no UART driver or filesystem.
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stdint.h>

// SYS_OPEN modes (index into the ISO C fopen mode table).
enum { SH_MODE_RB = 1, SH_MODE_WB = 5 };

// Returns a handle >= 0, or -1 on error.
int32_t sh_open(const char *path, int32_t mode);
void sh_close(int32_t fd);
// Both return 0 when all n bytes were transferred, else the number of bytes NOT transferred.
uint32_t sh_read(int32_t fd, void *buf, uint32_t n);
uint32_t sh_write(int32_t fd, const void *buf, uint32_t n);
// Length of an open file in bytes, or -1.
int32_t sh_flen(int32_t fd);
// Writes a NUL-terminated string to the host's console (QEMU: its stderr/stdout).
void sh_puts(const char *s);
// SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with `code` as its status.
__attribute__((noreturn)) void sh_exit(int32_t code);

#endif
