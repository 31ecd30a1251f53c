#include "text.h"

static void put(line_t *l, char c) {
    if (l->len + 1 < sizeof l->buf) l->buf[l->len++] = c;
}

void line_str(line_t *l, const char *s) {
    while (*s) put(l, *s++);
}

// Shift-subtract division: a 64-bit `/` would need __aeabi_uldivmod, which nothing here links.
static uint64_t div10(uint64_t n, uint32_t *rem) {
    uint64_t q = 0;
    uint32_t r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | (uint32_t)((n >> bit) & 1);
        if (r >= 10) {
            r -= 10;
            q |= 1ull << bit;
        }
    }
    *rem = r;
    return q;
}

void line_u64(line_t *l, uint64_t v) {
    char digits[20];
    int n = 0;
    do {
        uint32_t r;
        v = div10(v, &r);
        digits[n++] = (char)('0' + r);
    } while (v);
    while (n) put(l, digits[--n]);
}

void line_i32(line_t *l, int32_t v) {
    if (v < 0) put(l, '-');
    line_u64(l, v < 0 ? -(uint64_t)(int64_t)v : (uint64_t)v);
}

void line_hex(line_t *l, uint32_t v) {
    line_str(l, "0x");
    for (int shift = 28; shift >= 0; shift -= 4) put(l, "0123456789abcdef"[(v >> shift) & 0xF]);
}

void line_milli(line_t *l, uint32_t v) {
    line_u64(l, v / 1000);
    put(l, '.');
    put(l, (char)('0' + v / 100 % 10));
    put(l, (char)('0' + v / 10 % 10));
    put(l, (char)('0' + v % 10));
}

const char *line_cstr(line_t *l) {
    l->buf[l->len] = 0;
    return l->buf;
}
