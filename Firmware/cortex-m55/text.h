// Building one line of text in a fixed buffer: the firmware has no libc, and the report, console
// messages and fault messages are all short lines. Overlong lines are truncated, never overflow.
#ifndef TEXT_H
#define TEXT_H

#include <stdint.h>

typedef struct {
    uint32_t len;
    char buf[240];
} line_t;

void line_str(line_t *l, const char *s);
void line_u64(line_t *l, uint64_t v);
void line_i32(line_t *l, int32_t v);
void line_hex(line_t *l, uint32_t v);
// v / 1000 with three decimals, e.g. 31250 → "31.250".
void line_milli(line_t *l, uint32_t v);
// NUL-terminates and returns the text (the buffer keeps one byte for the NUL).
const char *line_cstr(line_t *l);

#endif
