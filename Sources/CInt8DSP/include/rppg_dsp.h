// The one DSP-extension instruction the device convolution needs, for Swift (which has no ACLE
// intrinsics): SMLAD, a dual signed 16×16 multiply with both products added to a 32-bit
// accumulator in one cycle on a Cortex-M4/M7/M33/M55. On other targets (the host build, which the
// bit-exactness tests run) the same arithmetic in portable C.
#ifndef RPPG_DSP_H
#define RPPG_DSP_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

/// acc + lo16(a)·lo16(b) + hi16(a)·hi16(b), each half a signed 16-bit integer (wrapping add).
static inline int32_t rppg_smlad(uint32_t a, uint32_t b, int32_t acc) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    return __smlad(a, b, acc);
#else
    int32_t lo = (int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF);
    int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
#endif
}

#endif
