#include "semihost.h"

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05,
    SYS_READ = 0x06, SYS_FLEN = 0x0C, SYS_EXIT_EXTENDED = 0x20,
};

// The semihosting ABI: operation in r0, pointer to a parameter block in r1, result in r0.
// "memory" because the host reads and writes the blocks and buffers behind r1.
static int32_t call(int32_t op, const void *arg) {
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static uint32_t length(const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    return n;
}

int32_t sh_open(const char *path, int32_t mode) {
    const uint32_t args[3] = {(uint32_t)path, (uint32_t)mode, length(path)};
    return call(SYS_OPEN, args);
}

void sh_close(int32_t fd) {
    const uint32_t args[1] = {(uint32_t)fd};
    call(SYS_CLOSE, args);
}

uint32_t sh_read(int32_t fd, void *buf, uint32_t n) {
    const uint32_t args[3] = {(uint32_t)fd, (uint32_t)buf, n};
    return (uint32_t)call(SYS_READ, args);
}

uint32_t sh_write(int32_t fd, const void *buf, uint32_t n) {
    const uint32_t args[3] = {(uint32_t)fd, (uint32_t)buf, n};
    return (uint32_t)call(SYS_WRITE, args);
}

int32_t sh_flen(int32_t fd) {
    const uint32_t args[1] = {(uint32_t)fd};
    return call(SYS_FLEN, args);
}

void sh_puts(const char *s) { call(SYS_WRITE0, s); }

void sh_exit(int32_t code) {
    const uint32_t args[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    for (;;) call(SYS_EXIT_EXTENDED, args);
}
