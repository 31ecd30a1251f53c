// Shim for zlib: Foundation on Linux exposes no zlib module.
#include <zlib.h>
