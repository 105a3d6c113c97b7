// libpng's simplified API: EMIDEC's slices are 8-bit grayscale PNGs.
#include <png.h>
