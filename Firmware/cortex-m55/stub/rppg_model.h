// Stub model for testing the firmware harness (Tools/firmware_smoke.sh); a generated model
// directory provides the same macros and declarations.
#ifndef RPPG_MODEL_H
#define RPPG_MODEL_H

#include <stdint.h>

#define RPPG_MODEL_NAME "stub"
#define RPPG_INPUT_BYTES 3000
#define RPPG_OUTPUT_BYTES 64
#define RPPG_INPUT_OFFSET 256   // after the stub's int32 accumulators (RPPG_OUTPUT_BYTES × 4)
#define RPPG_ARENA_BYTES 3264   // RPPG_INPUT_OFFSET + RPPG_INPUT_BYTES, rounded up to 16
#define RPPG_OP_COUNT 3

extern const int32_t rppg_model_plan[];

int32_t rppg_runtime_run(const int32_t *plan, const int8_t *input, int8_t *output, void *arena,
                         void (*profile)(int32_t op_index));

static inline int32_t rppg_model_run(const int8_t *in, int8_t *out, void *arena) {
    return rppg_runtime_run(rppg_model_plan, in, out, arena, 0);
}

#endif
