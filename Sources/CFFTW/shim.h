// FFTW 3, single precision: the simulator's k-space transforms.
#include <fftw3.h>
