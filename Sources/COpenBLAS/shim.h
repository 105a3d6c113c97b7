// OpenBLAS's CBLAS interface plus the two introspection calls lgeqa reports
// (which kernel runs, how many threads), which cblas.h declares on Debian.
#include <cblas.h>
