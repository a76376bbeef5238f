// FFTW 3 (single and double precision), from Debian's libfftw3-dev.
#include <fftw3.h>
