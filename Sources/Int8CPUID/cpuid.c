// Runtime CPU check for the int8 kernels. `__builtin_cpu_supports` reads CPUID and also checks
// (via XGETBV) that the OS saves the AVX/AVX-512 register state, so a "yes" is safe to act on.
#include "rppg_int8_cpuid.h"

int rppg_int8_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int bits = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) bits |= 1;
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512f")) bits |= 2;
    if (__builtin_cpu_supports("avxvnni")) bits |= 4;
    return bits;
#else
    return 0;
#endif
}
