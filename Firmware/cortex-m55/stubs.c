// The few C symbols an Embedded Swift object can reference, for a firmware without libc.
// -ffreestanding keeps clang from turning these loops back into calls to themselves.
#include <stddef.h>
#include <stdint.h>

#include "firmware.h"
#include "text.h"

// The runtime must not allocate (all memory is the arena): make an allocation loud.
int posix_memalign(void **out, size_t alignment, size_t size) {
    (void)out;
    line_t l = {0};
    line_str(&l, "allocation attempted: posix_memalign(alignment=");
    line_u64(&l, alignment);
    line_str(&l, ", size=");
    line_u64(&l, size);
    line_str(&l, "); the runtime must use the arena only");
    firmware_fail(EXIT_ALLOC, line_cstr(&l));
}

// Only ever reached with pointers posix_memalign returned, and it returns none.
void free(void *p) { (void)p; }

void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    if (((uintptr_t)d & 3) == 0) {
        uint32_t word = 0x01010101u * (uint8_t)c;
        for (; n >= 4; n -= 4, d += 4) *(uint32_t *)d = word;
    }
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

// The ARM run-time ABI variants (note __aeabi_memset's argument order: n before c).
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }

uintptr_t __stack_chk_guard = 0xA5F3C91Eu;

void __stack_chk_fail(void) { firmware_fail(EXIT_FAULT, "stack smashing detected (__stack_chk_fail)"); }
