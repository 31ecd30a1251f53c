// Runs the model on every clip of rppg_in.bin (semihosting), writing rppg_out.bin and
// rppg_report.txt; see README.md for the file formats and exit codes.
#include "firmware.h"
#include "rppg_model.h"
#include "semihost.h"
#include "text.h"
#include "ticks.h"

#define CALIBRATION_ITERATIONS 1000000u // of a 4-instruction loop

// NOLOAD in the 4 MiB SRAM (board.ld); the clip is read straight into its input slot.
static int8_t arena[RPPG_ARENA_BYTES] __attribute__((section(".arena"), aligned(16)));
static int8_t output[RPPG_OUTPUT_BYTES] __attribute__((aligned(16)));
// Tick count at each op boundary of the current clip, filled by on_op().
static uint64_t boundary[RPPG_OP_COUNT + 1];
static int32_t next_op;
static int32_t profile_broken; // profile() was called out of order or out of range

static int32_t in_fd = -1, out_fd = -1, report_fd = -1;

static void on_op(int32_t op) {
    if (op != next_op || op > RPPG_OP_COUNT) {
        profile_broken = 1;
        return;
    }
    boundary[op] = ticks_now();
    next_op++;
}

static void close_all(void) {
    if (in_fd >= 0) sh_close(in_fd);
    if (out_fd >= 0) sh_close(out_fd);
    if (report_fd >= 0) sh_close(report_fd);
    in_fd = out_fd = report_fd = -1;
}

void firmware_fail(int32_t code, const char *message) {
    line_t l = {0};
    line_str(&l, "rppg firmware: ");
    line_str(&l, message);
    line_str(&l, "\n");
    sh_puts(line_cstr(&l));
    if (report_fd >= 0) {
        l.len = 0;
        line_str(&l, "status error ");
        line_str(&l, message);
        line_str(&l, "\n");
        sh_write(report_fd, l.buf, l.len);
    }
    close_all();
    sh_exit(code);
}

static void report(line_t *l) {
    line_str(l, "\n");
    if (sh_write(report_fd, l->buf, l->len) != 0) {
        report_fd = -1; // don't retry the write in firmware_fail
        firmware_fail(EXIT_IO, "cannot write rppg_report.txt");
    }
}

static void fail_with_number(int32_t code, const char *message, uint64_t value, const char *tail) {
    line_t l = {0};
    line_str(&l, message);
    line_u64(&l, value);
    line_str(&l, tail);
    firmware_fail(code, line_cstr(&l));
}

static uint32_t le32(const uint8_t *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// Checks the 16-byte header ("RPPGIN01", clip count, clip bytes) and returns the clip count.
static uint32_t read_header(void) {
    uint8_t header[16];
    if (sh_read(in_fd, header, sizeof header) != 0) firmware_fail(EXIT_BAD_INPUT, "rppg_in.bin is shorter than its 16-byte header");
    for (int i = 0; i < 8; i++)
        if (header[i] != (uint8_t)"RPPGIN01"[i]) firmware_fail(EXIT_BAD_INPUT, "rppg_in.bin does not start with RPPGIN01");
    uint32_t clips = le32(header + 8), clip_bytes = le32(header + 12);
    if (clip_bytes != RPPG_INPUT_BYTES) {
        line_t l = {0};
        line_str(&l, "rppg_in.bin has clips of ");
        line_u64(&l, clip_bytes);
        line_str(&l, " bytes but model " RPPG_MODEL_NAME " takes ");
        line_u64(&l, RPPG_INPUT_BYTES);
        line_str(&l, " (RPPG_INPUT_BYTES)");
        firmware_fail(EXIT_BAD_INPUT, line_cstr(&l));
    }
    uint64_t expected = 16 + (uint64_t)clips * clip_bytes;
    if ((uint64_t)(uint32_t)sh_flen(in_fd) != expected)
        fail_with_number(EXIT_BAD_INPUT, "rppg_in.bin size does not match its header (expected ", expected, " bytes)");
    return clips;
}

static void run_clip(uint32_t clip) {
    int8_t *input = arena + RPPG_INPUT_OFFSET;
    if (sh_read(in_fd, input, RPPG_INPUT_BYTES) != 0) fail_with_number(EXIT_IO, "cannot read clip ", clip, " of rppg_in.bin");
    next_op = 0;
    uint64_t start = ticks_now();
    int32_t rc = rppg_runtime_run(rppg_model_plan, input, output, arena, on_op);
    uint64_t end = ticks_now();
    if (rc != 0) {
        line_t l = {0};
        line_str(&l, "rppg_runtime_run returned ");
        line_i32(&l, rc);
        line_str(&l, " on clip ");
        line_u64(&l, clip);
        firmware_fail(EXIT_RUNTIME, line_cstr(&l));
    }
    if (profile_broken || next_op != RPPG_OP_COUNT + 1)
        fail_with_number(EXIT_RUNTIME, "runtime broke the profile contract (profile(0..opCount) in order) on clip ", clip, "");
    if (sh_write(out_fd, output, RPPG_OUTPUT_BYTES) != 0) firmware_fail(EXIT_IO, "cannot write rppg_out.bin");

    line_t l = {0};
    line_str(&l, "clip ");
    line_u64(&l, clip);
    line_str(&l, " ticks ");
    line_u64(&l, end - start);
    report(&l);
    for (int32_t op = 0; op < RPPG_OP_COUNT; op++) {
        l.len = 0;
        line_str(&l, "op ");
        line_u64(&l, clip);
        line_str(&l, " ");
        line_u64(&l, (uint64_t)op);
        line_str(&l, " ticks ");
        line_u64(&l, boundary[op + 1] - boundary[op]);
        report(&l);
    }
}

int main(void) {
    report_fd = sh_open("rppg_report.txt", SH_MODE_WB);
    if (report_fd < 0) firmware_fail(EXIT_IO, "cannot create rppg_report.txt");
    line_t l = {0};
    line_str(&l, "model " RPPG_MODEL_NAME);
    report(&l);

    uint32_t cal_ticks = ticks_calibrate(CALIBRATION_ITERATIONS);
    l.len = 0;
    line_str(&l, "instructions_per_tick ");
    line_milli(&l, 4u * CALIBRATION_ITERATIONS * 1000u / cal_ticks); // fits: 4e9 < 2^32
    report(&l);
    l.len = 0;
    line_str(&l, "calibration_instructions ");
    line_u64(&l, 4u * CALIBRATION_ITERATIONS);
    line_str(&l, " calibration_ticks ");
    line_u64(&l, cal_ticks);
    report(&l);

    in_fd = sh_open("rppg_in.bin", SH_MODE_RB);
    if (in_fd < 0) firmware_fail(EXIT_IO, "cannot open rppg_in.bin");
    uint32_t clips = read_header();
    out_fd = sh_open("rppg_out.bin", SH_MODE_WB);
    if (out_fd < 0) firmware_fail(EXIT_IO, "cannot create rppg_out.bin");
    l.len = 0;
    line_str(&l, "clips ");
    line_u64(&l, clips);
    report(&l);

    for (uint32_t clip = 0; clip < clips; clip++) run_clip(clip);

    l.len = 0;
    line_str(&l, "stack_bytes_used ");
    line_u64(&l, stack_bytes_used());
    line_str(&l, " stack_bytes_total ");
    line_u64(&l, stack_bytes_total());
    report(&l);
    l.len = 0;
    line_str(&l, "arena_bytes ");
    line_u64(&l, RPPG_ARENA_BYTES);
    report(&l);
    l.len = 0;
    line_str(&l, "status ok");
    report(&l);
    close_all();
    sh_puts("rppg firmware: status ok\n");
    return EXIT_OK;
}
