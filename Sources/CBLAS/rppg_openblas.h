// Shim for OpenBLAS's CBLAS interface. Deliberately not named cblas.h (its CBLAS_H guard
// would collide with the system header).
#include <cblas.h>
