// The separable kernel and the path dispatch as one shared library, for separable_ab.cpp.
#include "ds_dispatch.cpp"
#include "ds_depthwise.cpp"
