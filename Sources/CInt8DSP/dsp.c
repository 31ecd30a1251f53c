// CInt8DSP is header-only (static inline functions, so that they inline into the Swift kernels);
// SwiftPM needs one translation unit per C target.
#include "rppg_dsp.h"
