// The extension's one nvcc translation unit (built only with TENSORBRIDGE_CUDA=ON):
// including the header registers tensorbridge's CUDA kernels with the op dispatch when the
// module loads, so that tensorbridge's math runs on CUDA tensors.
#include <tensorbridge/cuda/kernels.cuh>
