// Runtime CPU check for the int8 kernels. `__builtin_cpu_supports` reads CPUID and also checks
// (via XGETBV) that the OS saves the AVX/AVX-512 register state, so a "yes" is safe to act on.
#include "rppg_int8_cpuid.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

int rppg_int8_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int bits = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) bits |= 1;
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512f")) bits |= 2;
    if (__builtin_cpu_supports("avxvnni")) bits |= 4;
    // SHA extensions (SHA256 manifest hashing). They work on XMM registers only, which every
    // x86-64 OS saves, so plain CPUID bits suffice: leaf 1 ECX 9 (SSSE3) and 19 (SSE4.1),
    // leaf 7 subleaf 0 EBX 29 (SHA).
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) && (c & (1u << 19)) &&
        __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29))) bits |= 8;
    return bits;
#else
    return 0;
#endif
}
