#include "rppg_model.h"

// The stub plan: magic "RPST", op count, input bytes, output bytes, input offset, accumulator offset.
const int32_t rppg_model_plan[] __attribute__((aligned(8))) = {
    0x52505354, RPPG_OP_COUNT, RPPG_INPUT_BYTES, RPPG_OUTPUT_BYTES, RPPG_INPUT_OFFSET, 0,
};
