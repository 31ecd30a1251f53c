#ifndef RPPG_INT8_CPUID_H
#define RPPG_INT8_CPUID_H
/// Bit set of int8-relevant instruction sets the running CPU *and OS* support.
/// 1: AVX2, 2: AVX-512 VNNI (with AVX-512 F/BW), 4: AVX-VNNI (VEX, 256-bit),
/// 8: SHA extensions with SSSE3 and SSE4.1 (SHA-256 hashing, not int8; added later, same query).
int rppg_int8_cpu_features(void);
#endif
